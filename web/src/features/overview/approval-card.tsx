import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../lib/api-client';
import { ApprovalContext, type TaskView } from '../../lib/contracts';
import { plural, usd } from '../../lib/format';
import { ErrorBox, Loading } from '../../components/ui';
import { TaskActions } from './task-actions';

/** The inspector page that lists a delivery, opened at it: a user's webhook or the built-in route of its provider. */
export function deliveryPath(d: NonNullable<ApprovalContext['delivery']>): string {
  const page = d.webhook_id ? `/hooks/${encodeURIComponent(d.webhook_id)}` : `/hooks/static/${encodeURIComponent(d.provider)}`;
  return `${page}?delivery=${encodeURIComponent(d.event_id)}`;
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-stone-500">{label}</dt>
      <dd className="break-words text-sm text-stone-800">{children}</dd>
    </div>
  );
}

const tools = (list: string[] | null) => (list && list.length > 0 ? list.join(', ') : null);

/** What the run may do: its permission mode and tool lists as the command set them, and its limits. */
function Permissions({ task }: { task: TaskView }) {
  const allowed = tools(task.allowed_tools);
  const denied = tools(task.disallowed_tools);
  return (
    <span data-testid="approval-permissions">
      <span className="font-mono">{task.permission_mode ?? 'default'}</span> permission mode
      {allowed && <> · may use <span className="font-mono">{allowed}</span></>}
      {denied && <> · never <span className="font-mono">{denied}</span></>}
      {task.max_turns !== null && <> · at most {plural(task.max_turns, 'turn')}</>}
      {task.budget_usd !== null && <> · budget {usd(task.budget_usd)}</>}
    </span>
  );
}

/**
 * A task waiting for approval, with what an approver decides on: the prompt the run will be given (not just the
 * command's name), the command and event, who asked, where (the thread's conversation and the delivery in the
 * inspector), and what the run may do.
 */
export function ApprovalCard({ task }: { task: TaskView }) {
  const q = useQuery({ queryKey: ['tasks', 'approval', task.task_id], queryFn: () => api.get(`/api/tasks/${encodeURIComponent(task.task_id)}/approval`, ApprovalContext) });
  const c = q.data;
  return (
    <section aria-label="Approval" className="rounded-lg border border-amber-300 bg-amber-50 p-3" data-testid="approval-card">
      <div className="mb-2 flex flex-wrap items-start justify-between gap-2">
        <h3 className="text-sm font-semibold text-amber-950">Waiting for your approval</h3>
        <TaskActions task={task} />
      </div>
      {q.isPending && <Loading label="Loading what it will run…" />}
      <ErrorBox error={q.error} retry={() => void q.refetch()} />
      {c && (
        <>
          <dl className="grid grid-cols-1 gap-x-4 gap-y-2 sm:grid-cols-2">
            <Row label="Command">
              <span className="font-mono">{c.command ?? task.rule ?? '—'}</span>
              {c.event_type && <span className="text-stone-500"> on {c.event_type}</span>}
            </Row>
            <Row label="Asked by">{task.requester ?? task.source}</Row>
            <Row label="Where">
              {c.thread.conversation_id ? (
                <Link className="text-orange-800 underline" to={`/chat/${encodeURIComponent(c.thread.conversation_id)}`}>
                  {c.thread.title ?? c.thread.external_id ?? 'the conversation'}
                </Link>
              ) : (
                (c.thread.external_id ?? task.source)
              )}
              {c.thread.external_id && c.thread.title && c.thread.title !== c.thread.external_id && <span className="text-stone-500"> ({c.thread.external_id})</span>}
              {c.delivery && (
                <>
                  {' · '}
                  <Link className="text-orange-800 underline" to={deliveryPath(c.delivery)} data-testid="approval-delivery">
                    the delivery in the inspector
                  </Link>
                </>
              )}
            </Row>
            <Row label="May do">
              <Permissions task={task} />
              {(task.assigned_agent || task.model) && (
                <span className="block text-xs text-stone-500">
                  as {task.assigned_agent ?? 'the default agent'} on {task.model ?? 'the default model'}
                </span>
              )}
            </Row>
          </dl>
          <p className="mb-1 mt-3 text-xs font-medium text-stone-600">The prompt it will run</p>
          <pre data-testid="approval-prompt" className="max-h-72 overflow-auto whitespace-pre-wrap break-words rounded-md border border-amber-200 bg-white p-2.5 font-mono text-xs leading-5 text-stone-900">
            {c.prompt}
          </pre>
        </>
      )}
    </section>
  );
}
