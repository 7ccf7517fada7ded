import type { InfiniteData, QueryClient } from '@tanstack/react-query';
import type { LiveEvent, TaskPage, TaskView } from './contracts';

export type { TaskPage };

export interface TaskListFilter {
  status?: string;
}

export const taskKeys = {
  all: ['tasks'] as const,
  list: (filter: TaskListFilter) => ['tasks', 'list', filter] as const,
  one: (id: string) => ['tasks', 'one', id] as const,
};

function matches(filter: TaskListFilter, task: TaskView): boolean {
  return !filter.status || filter.status.split(',').includes(task.status);
}

/**
 * A lifecycle event carries the whole task: it replaces the task wherever a cached list or the task's own query
 * holds it, and a new task goes to the top of the lists whose filter it fits. Lists never refetch for this.
 */
export function applyLifecycleEvent(client: QueryClient, event: Exclude<LiveEvent, { type: 'task.output' }>): void {
  const task = event.task;
  client.setQueryData(taskKeys.one(task.task_id), (old: TaskView | undefined) => (old && old.updated_at > task.updated_at ? old : task));
  for (const query of client.getQueryCache().findAll({ queryKey: ['tasks', 'list'] })) {
    const filter = (query.queryKey[2] ?? {}) as TaskListFilter;
    client.setQueryData<InfiniteData<TaskPage>>(query.queryKey, (old) => {
      if (!old) return old;
      let found = false;
      const pages = old.pages.map((page) => ({
        ...page,
        tasks: page.tasks.map((t) => {
          if (t.task_id !== task.task_id) return t;
          found = true;
          return t.updated_at > task.updated_at ? t : task;
        }),
      }));
      if (!found && matches(filter, task) && pages[0]) pages[0] = { ...pages[0], tasks: [task, ...pages[0].tasks] };
      return { ...old, pages };
    });
  }
}
