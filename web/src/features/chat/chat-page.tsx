import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, qs } from '../../lib/api-client';
import type { Message, MessagePage } from '../../lib/contracts';
import { usd, when } from '../../lib/format';
import { useTaskFeed } from '../../lib/live-context';
import { Markdown } from '../../components/markdown';
import { StreamView } from '../../components/stream/stream-view';
import { Button, cx, Empty, ErrorBox, Loading, StatusBadge } from '../../components/ui';
import { TaskActions } from '../overview/task-actions';
import { Composer } from './composer';
import { ConversationHeader } from './conversation-header';
import { ConversationList } from './conversation-list';
import { FilesPanel } from './files-panel';
import { useTask } from '../overview/task-detail';

/** One run per conversation: a follow-up sent while an earlier turn is unanswered waits for it, and says so. */
function waitingLabel(status: string | undefined, behind: boolean): string {
  if (status === 'waiting_approval') return 'Waiting for approval.';
  if (status === 'queued' && behind) return 'Waiting for the run before it in this conversation to finish.';
  return 'Queued…';
}

/** The reply to a message while it is being produced: the task's stream, live. */
function LiveReply({ taskId, behind }: { taskId: string; behind: boolean }) {
  const feed = useTaskFeed(taskId);
  const task = useTask(taskId);
  return (
    <div className="rounded-lg border border-indigo-100 bg-white p-3" data-testid="live-reply" data-task-id={taskId}>
      <div className="mb-2 flex items-center justify-between gap-2">
        <div className="flex items-center gap-2 text-xs text-stone-500">
          {task.data && <StatusBadge status={task.data.status} />}
          <Link className="underline" to={`/tasks/${taskId}`}>
            view the run
          </Link>
        </div>
        {task.data && <TaskActions task={task.data} size="sm" />}
      </div>
      <ErrorBox error={task.error ?? (feed.error ? new Error(feed.error) : null)} retry={feed.refresh} />
      {feed.loading && feed.events.length === 0 && <Loading label="Waiting for the reply…" />}
      {!feed.loading && feed.events.length === 0 && <p className="text-sm text-stone-500">{waitingLabel(task.data?.status, behind)}</p>}
      <StreamView events={feed.events} />
    </div>
  );
}

/** A finished reply keeps the run's tool calls, folded; they load when opened. */
function RunSteps({ taskId }: { taskId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="mt-2 text-xs" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="select-none text-stone-600">Steps of the run</summary>
      {open && <RunStepsFeed taskId={taskId} />}
    </details>
  );
}

function RunStepsFeed({ taskId }: { taskId: string }) {
  const feed = useTaskFeed(taskId);
  return (
    <div className="mt-2">
      {feed.loading && feed.events.length === 0 && <Loading label="Loading the run…" />}
      <StreamView events={feed.events} follow={false} />
    </div>
  );
}

function Bubble({ message }: { message: Message }) {
  const user = message.role === 'user';
  const failed = message.metadata?.status && message.metadata.status !== 'completed';
  return (
    <div className={cx('flex', user ? 'justify-end' : 'justify-start')}>
      <div
        data-role={message.role}
        className={cx('max-w-[85%] rounded-lg px-3 py-2 text-sm', user ? 'bg-orange-700 text-white' : failed ? 'border border-red-200 bg-red-50 text-red-900' : 'border border-stone-200 bg-white')}
      >
        {user || !message.content ? <p className="whitespace-pre-wrap break-words leading-6">{message.content || (user ? '' : '(no text)')}</p> : <Markdown text={message.content} />}
        {!user && message.task_id && <RunSteps taskId={message.task_id} />}
        <p className={cx('mt-1 text-xs', user ? 'text-orange-100' : 'text-stone-500')}>
          {when(message.created_at)}
          {!user && message.metadata?.cost_usd !== undefined && ` · ${usd(message.metadata.cost_usd)}`}
          {!user && message.task_id && (
            <>
              {' · '}
              <Link className="underline" to={`/tasks/${message.task_id}`}>
                run
              </Link>
            </>
          )}
        </p>
      </div>
    </div>
  );
}

/**
 * Brings the newest message into view when one arrives — unless the reader has scrolled up to read something older.
 * Rendered before the messages, it scrolls the page's end into view, which is where the newest one is.
 */
function FollowNewest({ count }: { count: number }) {
  const seen = useRef(0);
  useEffect(() => {
    const first = seen.current === 0;
    seen.current = count;
    const fromBottom = document.documentElement.scrollHeight - window.scrollY - window.innerHeight;
    if (first || fromBottom < 400) window.scrollTo({ top: document.documentElement.scrollHeight });
  }, [count]);
  return null;
}

function Messages({ conversationId }: { conversationId: string }) {
  const query = useInfiniteQuery({
    queryKey: ['messages', conversationId],
    queryFn: ({ pageParam }) => api.get<MessagePage>(`/api/conversations/${encodeURIComponent(conversationId)}/messages${qs({ limit: 100, before: pageParam })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.before_cursor ?? undefined,
  });
  if (query.isPending) return <Loading label="Loading messages…" />;
  if (query.error) return <ErrorBox error={query.error} retry={() => void query.refetch()} />;
  const messages = [...query.data.pages].reverse().flatMap((p) => p.messages);
  const answered = new Set(messages.filter((m) => m.role === 'assistant' && m.task_id).map((m) => m.task_id));
  const unanswered = messages.filter((m) => m.role === 'user' && m.task_id && !answered.has(m.task_id)).map((m) => m.task_id);
  return (
    <div className="flex flex-col gap-3">
      {query.hasNextPage && (
        <Button size="sm" className="self-center" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          Load earlier messages
        </Button>
      )}
      {messages.length === 0 && <Empty>No messages yet.</Empty>}
      <FollowNewest count={messages.length} />
      {messages.map((m) => (
        <div key={m.message_id} className="flex flex-col gap-3">
          <Bubble message={m} />
          {m.role === 'user' && m.task_id && !answered.has(m.task_id) && <LiveReply taskId={m.task_id} behind={unanswered.indexOf(m.task_id) > 0} />}
        </div>
      ))}
    </div>
  );
}

export function ChatPage() {
  const { conversationId } = useParams();
  return (
    <div className={cx('grid grid-cols-1 gap-4 md:grid-cols-[16rem_minmax(0,1fr)]', conversationId && 'xl:grid-cols-[16rem_minmax(0,1fr)_22rem]')}>
      <aside>
        <h1 className="mb-3 text-xl font-semibold tracking-tight">Chat</h1>
        <ConversationList selected={conversationId} />
      </aside>
      <section aria-label="Conversation" className="flex min-w-0 flex-col">
        {conversationId && <ConversationHeader key={`h-${conversationId}`} conversationId={conversationId} />}
        {conversationId ? <Messages key={conversationId} conversationId={conversationId} /> : <Empty>Start a new conversation: write a message below. It runs as a Claude Code task and the reply streams in here.</Empty>}
        <Composer key={conversationId ?? 'new'} conversationId={conversationId} />
      </section>
      {conversationId && (
        <aside className="min-w-0 md:col-span-2 xl:col-span-1">
          <FilesPanel key={conversationId} conversationId={conversationId} />
        </aside>
      )}
    </div>
  );
}
