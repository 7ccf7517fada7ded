import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { api, qs } from '../../lib/api-client';
import { TaskPage, type TaskView } from '../../lib/contracts';
import { fullTime } from '../../lib/format';
import { Badge, ErrorBox, StatusBadge } from '../../components/ui';

/**
 * A flow as one timeline across providers: every task of the flow, oldest first, with the thread it came from. Shown
 * when the flow spans more than one thread (threads linked by a mention, `@agent continue`, or a run that opened one).
 */
export function FlowTimeline({ task }: { task: TaskView }) {
  const flowId = task.flow_id;
  const flow = useQuery({
    queryKey: ['flow', flowId],
    queryFn: () => api.get(`/api/tasks${qs({ flow_id: flowId, limit: 100 })}`, TaskPage),
    enabled: !!flowId,
  });
  if (!flowId) return null;
  if (flow.error) return <ErrorBox error={flow.error} />;
  const tasks = [...(flow.data?.tasks ?? [])].reverse();
  const threads = new Set(tasks.map((t) => t.external_id ?? t.source));
  if (threads.size < 2) return null;
  return (
    <section aria-label="Flow" className="rounded-md border border-stone-200 px-3 py-2 text-xs">
      <p className="font-medium text-stone-600">
        Flow <span className="font-mono">{flowId}</span>: {threads.size} threads, one Claude session
      </p>
      <ol className="mt-1 flex flex-col gap-1">
        {tasks.map((t) => (
          <li key={t.task_id} className="flex flex-wrap items-center gap-2">
            <span className="text-stone-500">{fullTime(t.created_at)}</span>
            <Badge tone="blue">{t.source}</Badge>
            <span className="font-mono">{t.external_id ?? '—'}</span>
            <StatusBadge status={t.status} />
            {t.task_id === task.task_id ? (
              <span className="truncate">{t.input_message.slice(0, 80)}</span>
            ) : (
              <Link className="truncate text-orange-800 underline" to={`/tasks/${t.task_id}`}>
                {t.input_message.slice(0, 80)}
              </Link>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
