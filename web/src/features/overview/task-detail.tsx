import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { api } from '../../lib/api-client';
import { changeRequestRef, TaskView } from '../../lib/contracts';
import { durations, fullTime, int, plural, usd, wallMs } from '../../lib/format';
import { useTaskFeed } from '../../lib/live-context';
import { taskKeys } from '../../lib/tasks-cache';
import { StreamView } from '../../components/stream/stream-view';
import { Empty, ErrorBox, Loading, StatusBadge } from '../../components/ui';
import { ApprovalCard } from './approval-card';
import { FlowTimeline } from './flow-timeline';
import { HandOff } from './hand-off';
import { TaskActions } from './task-actions';

export function useTask(taskId: string) {
  return useQuery({ queryKey: taskKeys.one(taskId), queryFn: () => api.get(`/api/tasks/${encodeURIComponent(taskId)}`, TaskView) });
}

/** A task's figures and its run, replayed and then followed live. */
export function TaskDetail({ taskId }: { taskId: string }) {
  const task = useTask(taskId);
  const feed = useTaskFeed(taskId);
  if (task.isPending) return <Loading label="Loading task…" />;
  if (task.error) return <ErrorBox error={task.error} retry={() => void task.refetch()} />;
  const t = task.data;
  const active = t.status === 'running' || t.status === 'queued';
  const waiting = t.status === 'waiting_approval';
  return (
    <article className="flex min-h-0 flex-col gap-3" aria-label={`Task ${t.task_id}`}>
      <header className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <StatusBadge status={t.status} outcome={t.outcome} />
            {t.outcome && t.outcome !== 'budget' && <span className="text-xs text-stone-500">outcome: {t.outcome}</span>}
            {t.delivery_count > 1 && (
              <span className="rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-900" title="Later deliveries of the same alert storm joined this task">
                ×{t.delivery_count} deliveries
              </span>
            )}
          </div>
          <p className="mt-1 break-all font-mono text-xs text-stone-500">{t.task_id}</p>
        </div>
        {!waiting && <TaskActions task={t} />}
      </header>
      <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-xs sm:grid-cols-4">
        {[
          ['Source', t.source],
          ['Agent', t.assigned_agent ?? 'default'],
          ['Model', t.model ?? 'default'],
          ['Requester', t.requester ?? '—'],
          ['Cost (this run)', usd(t.cost_usd)],
          ['Tokens in / out', `${int(t.input_tokens + t.cache_read_tokens + t.cache_creation_tokens)} / ${int(t.output_tokens)}`],
          ['Duration', durations(wallMs(t.started_at, t.completed_at), t.duration_ms)],
          ['Turns', t.started_at ? plural(t.num_turns, 'turn') : '—'],
          ['Created', fullTime(t.created_at)],
        ].map(([k, v]) => (
          <div key={k} className="min-w-0">
            <dt className="text-stone-500">{k}</dt>
            <dd className="truncate font-medium text-stone-800" title={v}>
              {v}
            </dd>
          </div>
        ))}
      </dl>
      {t.conversation_id && (
        <p className="text-xs">
          <Link className="text-orange-800 underline" to={`/chat/${t.conversation_id}`}>
            Open the conversation
          </Link>
        </p>
      )}
      <FlowTimeline task={t} />
      <HandOff task={t} />
      {waiting ? (
        <ApprovalCard task={t} />
      ) : (
        <div className="rounded-md bg-stone-100 px-3 py-2">
          <p className="text-xs font-medium text-stone-500">Request</p>
          <p className="mt-0.5 max-h-32 overflow-auto whitespace-pre-wrap break-words text-sm">{t.input_message}</p>
        </div>
      )}
      {t.error && <ErrorBox error={new Error(t.error)} />}
      {t.post_back_error && <ErrorBox error={new Error(`posting the result back failed: ${t.post_back_error}`)} />}
      {t.pull_request && (
        <p aria-label="Pull request" className="text-sm">
          🔀{' '}
          <a href={t.pull_request.url} target="_blank" rel="noreferrer" className="font-medium underline">
            {t.pull_request.repository}
            {changeRequestRef(t.pull_request.provider, t.pull_request.number)}
          </a>{' '}
          · <code>{t.pull_request.branch}</code> · {t.pull_request.state}
          {t.pull_request.checks && ` · checks ${t.pull_request.checks}`}
        </p>
      )}
      <section aria-label="Run" data-scroll className="max-h-[65vh] min-h-32 overflow-auto rounded-lg border border-stone-200 bg-stone-50 p-3">
        {feed.loading && <Loading label="Loading the run…" />}
        <ErrorBox error={feed.error ? new Error(`could not load the run's events: ${feed.error}`) : null} retry={feed.refresh} />
        {!feed.loading && feed.events.length === 0 && <Empty>{waiting ? 'Waiting for approval: nothing has run yet.' : active ? 'Waiting for the first output…' : 'This task recorded no events.'}</Empty>}
        <StreamView events={feed.events} figures={t} />
      </section>
    </article>
  );
}
