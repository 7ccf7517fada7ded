import type { StreamItem } from '../contracts/stream-item.js';
import type { Logger } from '../logger.js';
import type { TaskRow } from '../storage/schema.js';

/**
 * Something that follows a task from the worker that runs it (post-back to GitHub, Slack…, the registry's skill
 * counts). Whoever wires the service registers them (src/services.ts); the worker knows nothing of what they do.
 * Errors are theirs to keep: one failing never stops the run or the other observers.
 */
export interface TaskObserver {
  onStart?(task: TaskRow): void | Promise<void>;
  onItem?(task: TaskRow, item: StreamItem): void;
  onFinish?(task: TaskRow): void | Promise<void>;
}

/** The observers a worker tells about its runs, each call isolated from the others' failures. */
export class TaskObservers {
  private readonly list: TaskObserver[] = [];

  constructor(private readonly log: Logger) {}

  /** Registers an observer; returns the function that removes it. */
  add(observer: TaskObserver): () => void {
    this.list.push(observer);
    return () => {
      const i = this.list.indexOf(observer);
      if (i >= 0) this.list.splice(i, 1);
    };
  }

  item(task: TaskRow, item: StreamItem): void {
    for (const o of this.list) {
      try {
        o.onItem?.(task, item);
      } catch (err) {
        this.log.warn({ err, task_id: task.task_id }, 'task observer onItem failed');
      }
    }
  }

  async notify(hook: 'onStart' | 'onFinish', task: TaskRow): Promise<void> {
    for (const o of this.list) {
      try {
        await o[hook]?.(task);
      } catch (err) {
        this.log.warn({ err, task_id: task.task_id }, `task observer ${hook} failed`);
      }
    }
  }
}
