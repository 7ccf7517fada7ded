import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { api, qs } from '../../lib/api-client';
import { truncate, usd, when } from '../../lib/format';
import type { TaskView } from '../../lib/contracts';
import { type TaskPage, taskKeys } from '../../lib/tasks-cache';
import { Button, cx, Empty, ErrorBox, Loading, StatusBadge } from '../../components/ui';
import { TaskActions } from './task-actions';

export const STATUS_FILTERS = [
  { label: 'All', value: '' },
  { label: 'Active', value: 'waiting_approval,queued,running' },
  { label: 'Waiting approval', value: 'waiting_approval' },
  { label: 'Running', value: 'running' },
  { label: 'Finished', value: 'completed,failed,cancelled' },
  { label: 'Failed', value: 'failed' },
];

/** The webhook command a task runs, as its delivery recorded it (src/webhooks/thread-task.ts). */
function commandOf(t: TaskView): string | undefined {
  const meta = t.source_metadata;
  return meta && typeof meta === 'object' && 'command' in meta && typeof meta.command === 'string' ? meta.command : undefined;
}

/** Newest tasks first, keyset pages; statuses change in place as lifecycle events arrive on the socket. */
export function TaskList({ status, selected, onStatus }: { status: string; selected?: string; onStatus: (s: string) => void }) {
  const filter = status ? { status } : {};
  const query = useInfiniteQuery({
    queryKey: taskKeys.list(filter),
    queryFn: ({ pageParam }) => api.get<TaskPage>(`/api/tasks${qs({ limit: 30, status, cursor: pageParam })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const tasks = query.data?.pages.flatMap((p) => p.tasks) ?? [];
  return (
    <div>
      <div role="group" aria-label="Filter by status" className="mb-3 flex flex-wrap gap-1.5">
        {STATUS_FILTERS.map((f) => (
          <button
            key={f.label}
            type="button"
            aria-pressed={status === f.value}
            onClick={() => onStatus(f.value)}
            className={cx('rounded-full border px-2.5 py-0.5 text-xs', status === f.value ? 'border-stone-800 bg-stone-800 text-white' : 'border-stone-300 bg-white text-stone-700 hover:bg-stone-100')}
          >
            {f.label}
          </button>
        ))}
      </div>
      {query.isPending && <Loading label="Loading tasks…" />}
      <ErrorBox error={query.error} retry={() => void query.refetch()} />
      {query.isSuccess && tasks.length === 0 && <Empty>No tasks {status ? 'with this status' : 'yet'}. Send a message from Chat to start one.</Empty>}
      <ul className="divide-y divide-stone-100 overflow-hidden rounded-lg border border-stone-200 bg-white" aria-label="Tasks">
        {tasks.map((t) => (
          <li key={t.task_id} data-task-id={t.task_id} className={cx('flex items-start gap-3 px-3 py-2.5', selected === t.task_id && 'bg-orange-50')}>
            <Link to={`/tasks/${t.task_id}`} className="min-w-0 flex-1" aria-current={selected === t.task_id ? 'page' : undefined}>
              <div className="flex items-center gap-2">
                <StatusBadge status={t.status} outcome={t.outcome} />
                <span className="truncate text-xs text-stone-500">
                  {t.requester && t.requester !== t.source ? t.requester : t.source}
                  {commandOf(t) ? ` · ${commandOf(t)}` : ''}
                  {t.assigned_agent ? ` · ${t.assigned_agent}` : ''} · {when(t.created_at)}
                </span>
                <span className="ml-auto shrink-0 text-xs tabular-nums text-stone-600">{t.cost_usd > 0 ? usd(t.cost_usd) : ''}</span>
              </div>
              <p className="mt-1 truncate text-sm text-stone-800">{truncate(t.input_message.replace(/\s+/g, ' '), 160)}</p>
            </Link>
            {t.status === 'waiting_approval' && <TaskActions task={t} size="sm" />}
          </li>
        ))}
      </ul>
      {query.hasNextPage && (
        <Button className="mt-3 w-full" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          {query.isFetchingNextPage ? 'Loading…' : 'Load older tasks'}
        </Button>
      )}
    </div>
  );
}
