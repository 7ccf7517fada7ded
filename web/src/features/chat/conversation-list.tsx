import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, qs } from '../../lib/api-client';
import type { ConversationPage } from '../../lib/contracts';
import { usd, when } from '../../lib/format';
import { Button, cx, ErrorBox, Input, Loading, Select } from '../../components/ui';

/** Chats started here, the threads webhooks opened (an issue, a Slack thread, an alert), or what was archived. */
const SHOWN = {
  chat: { label: 'Chats', query: { kind: 'chat', archived: 'false' } },
  thread: { label: 'Webhook threads', query: { kind: 'thread', archived: 'false' } },
  archived: { label: 'Archived', query: { archived: 'true' } },
} as const;
type Shown = keyof typeof SHOWN;

export function ConversationList({ selected }: { selected?: string }) {
  const [shown, setShown] = useState<Shown>('chat');
  const [search, setSearch] = useState('');
  const q = search.trim() || undefined;
  const query = useInfiniteQuery({
    queryKey: ['conversations', shown, q],
    queryFn: ({ pageParam }) => api.get<ConversationPage>(`/api/conversations${qs({ limit: 30, ...SHOWN[shown].query, q, cursor: pageParam })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const list = query.data?.pages.flatMap((p) => p.conversations) ?? [];
  return (
    <nav aria-label="Conversations" className="flex flex-col gap-2">
      <Link to="/chat" className="rounded-md bg-orange-700 px-3 py-1.5 text-center text-sm font-medium text-white hover:bg-orange-800">
        New conversation
      </Link>
      <div className="flex gap-1.5">
        <Input aria-label="Search conversations" type="search" placeholder="Search titles" value={search} onChange={(e) => setSearch(e.target.value)} className="min-w-0 flex-1" />
        <Select aria-label="Show" value={shown} onChange={(e) => setShown(e.target.value as Shown)} className="w-28">
          {(Object.keys(SHOWN) as Shown[]).map((k) => (
            <option key={k} value={k}>
              {SHOWN[k].label}
            </option>
          ))}
        </Select>
      </div>
      {query.isPending && <Loading label="Loading conversations…" />}
      <ErrorBox error={query.error} retry={() => void query.refetch()} />
      {query.isSuccess && list.length === 0 && <p className="px-1 text-xs text-stone-500">{q ? `No conversation titled like “${q}”.` : 'No conversations yet.'}</p>}
      <ul className="flex max-h-[30vh] flex-col gap-0.5 overflow-auto md:max-h-[70vh]">
        {list.map((c) => (
          <li key={c.conversation_id}>
            <Link
              to={`/chat/${c.conversation_id}`}
              aria-current={selected === c.conversation_id ? 'page' : undefined}
              className={cx('block rounded-md px-2.5 py-1.5 text-sm', selected === c.conversation_id ? 'bg-stone-200 font-medium' : 'hover:bg-stone-100')}
            >
              <span className="block truncate">{c.title}</span>
              <span className="block text-xs text-stone-500">
                {c.source !== 'dashboard' && `${c.source} · `}
                {when(c.updated_at)} · {c.message_count} {c.message_count === 1 ? 'message' : 'messages'}
                {c.total_cost_usd > 0 ? ` · ${usd(c.total_cost_usd)}` : ''}
              </span>
            </Link>
          </li>
        ))}
      </ul>
      {query.hasNextPage && (
        <Button size="sm" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          More
        </Button>
      )}
    </nav>
  );
}
