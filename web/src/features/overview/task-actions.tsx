import { useMutation, useQueryClient } from '@tanstack/react-query';
import { TaskView } from '../../lib/contracts';
import { api } from '../../lib/api-client';
import { applyTask, taskKeys } from '../../lib/tasks-cache';
import { Button, ErrorBox } from '../../components/ui';

const CANCELLABLE = new Set(['waiting_approval', 'queued', 'running']);

/** Cancel, approve and reject, each a real request whose failure is shown next to the buttons. */
export function TaskActions({ task, size = 'md' }: { task: TaskView; size?: 'sm' | 'md' }) {
  const client = useQueryClient();
  const act = useMutation({
    mutationFn: (action: 'cancel' | 'approve' | 'reject') => api.post<{ status?: string }>(`/api/tasks/${encodeURIComponent(task.task_id)}/${action}`),
    onSuccess: (answer) => {
      // Approve and reject answer with the task as it now is: it leaves "Waiting approval" at once, here. Other
      // dashboards see it move on its next lifecycle event (started or cancelled).
      const moved = TaskView.safeParse(answer);
      if (moved.success) applyTask(client, moved.data);
      void client.invalidateQueries({ queryKey: taskKeys.one(task.task_id) });
      void client.invalidateQueries({ queryKey: ['status'] });
    },
  });
  const waiting = task.status === 'waiting_approval';
  const cancelling = act.isSuccess && act.variables === 'cancel' && act.data?.status === 'cancelling' && task.status === 'running';
  if (!CANCELLABLE.has(task.status) && !act.error) return null;
  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex flex-wrap gap-2">
        {waiting && (
          <>
            <Button size={size} tone="primary" disabled={act.isPending} onClick={() => act.mutate('approve')}>
              Approve
            </Button>
            <Button size={size} tone="danger" disabled={act.isPending} onClick={() => act.mutate('reject')}>
              Reject
            </Button>
          </>
        )}
        {CANCELLABLE.has(task.status) && !waiting && (
          <Button size={size} tone="danger" disabled={act.isPending || cancelling} onClick={() => act.mutate('cancel')}>
            {cancelling ? 'Stopping…' : 'Cancel'}
          </Button>
        )}
      </div>
      {act.error && <ErrorBox error={act.error} className="max-w-xs text-xs" />}
    </div>
  );
}
