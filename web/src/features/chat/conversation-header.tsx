import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../../lib/api-client';
import type { Conversation } from '../../lib/contracts';
import { usd } from '../../lib/format';
import { Button, ErrorBox, Input } from '../../components/ui';

/** The open conversation's title, renamed in place, with archive and delete. */
export function ConversationHeader({ conversationId }: { conversationId: string }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const path = `/api/conversations/${encodeURIComponent(conversationId)}`;
  const conversation = useQuery({ queryKey: ['conversation', conversationId], queryFn: () => api.get<Conversation>(path) });
  const [title, setTitle] = useState<string | null>(null);
  const refresh = () => Promise.all([client.invalidateQueries({ queryKey: ['conversation', conversationId] }), client.invalidateQueries({ queryKey: ['conversations'] })]);
  const patch = useMutation({
    mutationFn: (body: { title?: string; archived?: boolean }) => api.patch<Conversation>(path, body),
    onSuccess: async () => {
      setTitle(null);
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: () => api.delete(path),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['conversations'] });
      navigate('/chat');
    },
  });
  const c = conversation.data;
  if (!c) return <ErrorBox error={conversation.error} retry={() => void conversation.refetch()} />;
  const rename = (e: FormEvent) => {
    e.preventDefault();
    if (title?.trim() && title.trim() !== c.title) patch.mutate({ title: title.trim() });
    else setTitle(null);
  };
  return (
    <header className="mb-3 flex flex-wrap items-center gap-2 border-b border-stone-200 pb-2">
      {title === null ? (
        <h2 className="min-w-0 flex-1 truncate text-lg font-semibold" title={c.title}>
          {c.title}
          {c.archived && <span className="ml-2 rounded bg-stone-200 px-1.5 py-0.5 text-xs font-normal text-stone-700">archived</span>}
        </h2>
      ) : (
        <form onSubmit={rename} className="flex min-w-0 flex-1 gap-1.5">
          <Input aria-label="Title" value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} autoFocus className="min-w-0 flex-1" />
          <Button type="submit" size="sm" tone="primary" disabled={patch.isPending}>
            Save
          </Button>
          <Button size="sm" onClick={() => setTitle(null)}>
            Cancel
          </Button>
        </form>
      )}
      <span className="text-xs text-stone-500">
        {c.task_count} {c.task_count === 1 ? 'run' : 'runs'} · {usd(c.total_cost_usd)}
      </span>
      {title === null && (
        <Button size="sm" onClick={() => setTitle(c.title)}>
          Rename
        </Button>
      )}
      <Button size="sm" onClick={() => patch.mutate({ archived: !c.archived })} disabled={patch.isPending}>
        {c.archived ? 'Unarchive' : 'Archive'}
      </Button>
      <Button size="sm" tone="danger" disabled={remove.isPending} onClick={() => window.confirm(`Delete “${c.title}” and its messages? The runs stay in the ledger.`) && remove.mutate()}>
        Delete
      </Button>
      <ErrorBox error={patch.error ?? remove.error} className="w-full" />
    </header>
  );
}
