import { type InfiniteData, QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import type { TaskView } from './contracts';
import { applyLifecycleEvent, type TaskPage, taskKeys } from './tasks-cache';

const task = (status: TaskView['status'], updated_at: string): TaskView =>
  ({ task_id: 'task_1', session_id: 's', status, updated_at, conversation_id: null }) as unknown as TaskView;

function withList(client: QueryClient, status: string, tasks: TaskView[]) {
  client.setQueryData<InfiniteData<TaskPage>>(taskKeys.list({ status }), { pages: [{ tasks, next_cursor: null }], pageParams: [undefined] });
}
const listed = (client: QueryClient, status: string) => client.getQueryData<InfiniteData<TaskPage>>(taskKeys.list({ status }))!.pages.flatMap((p) => p.tasks.map((t) => t.status));

describe('cached task lists follow lifecycle events', () => {
  it('a task that moves out of a filtered list leaves it (the "Waiting approval" filter drops an approved task)', () => {
    const client = new QueryClient();
    withList(client, 'waiting_approval', [task('waiting_approval', '2026-01-01T00:00:00.000Z')]);
    withList(client, '', [task('waiting_approval', '2026-01-01T00:00:00.000Z')]);
    const started = task('running', '2026-01-01T00:00:05.000Z');
    applyLifecycleEvent(client, { type: 'task.started', task_id: 'task_1', session_id: 's', task: started });
    expect(listed(client, 'waiting_approval')).toEqual([]);
    expect(listed(client, '')).toEqual(['running']);
  });

  it('an older copy arriving late changes nothing', () => {
    const client = new QueryClient();
    withList(client, 'running', [task('running', '2026-01-01T00:00:05.000Z')]);
    applyLifecycleEvent(client, { type: 'task.created', task_id: 'task_1', session_id: 's', task: task('waiting_approval', '2026-01-01T00:00:00.000Z') });
    expect(listed(client, 'running')).toEqual(['running']);
  });
});
