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
 * A task as it now is, from a lifecycle event or an action's answer: it replaces the task wherever a cached list or
 * the task's own query holds it (unless that copy is newer), leaves the lists whose filter it no longer fits (an
 * approved task leaves "Waiting approval"), and a new task goes to the top of the lists whose filter it fits. Lists
 * never refetch for this.
 */
export function applyTask(client: QueryClient, task: TaskView): void {
  client.setQueryData(taskKeys.one(task.task_id), (old: TaskView | undefined) => (old && old.updated_at > task.updated_at ? old : task));
  for (const query of client.getQueryCache().findAll({ queryKey: ['tasks', 'list'] })) {
    const filter = (query.queryKey[2] ?? {}) as TaskListFilter;
    client.setQueryData<InfiniteData<TaskPage>>(query.queryKey, (old) => {
      if (!old) return old;
      let found = false;
      const pages = old.pages.map((page) => ({
        ...page,
        tasks: page.tasks.flatMap((t) => {
          if (t.task_id !== task.task_id) return [t];
          found = true;
          const current = t.updated_at > task.updated_at ? t : task;
          return matches(filter, current) ? [current] : [];
        }),
      }));
      if (!found && matches(filter, task) && pages[0]) pages[0] = { ...pages[0], tasks: [task, ...pages[0].tasks] };
      return { ...old, pages };
    });
  }
}

export function applyLifecycleEvent(client: QueryClient, event: Exclude<LiveEvent, { type: 'task.output' }>): void {
  applyTask(client, event.task);
}
