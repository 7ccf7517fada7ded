import { z } from 'zod';
import { TASK_STATUSES } from '../domain/task-status.js';
import { csv } from './common.js';
import { StreamItem } from './stream-item.js';
import { TaskView } from './task.js';

export const TaskListQuery = z.object({
  status: csv(z.enum(TASK_STATUSES)).optional(),
  conversation_id: z.string().optional(),
  session_id: z.string().optional(),
  source: z.string().optional(),
  flow_id: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});
export type TaskListQuery = z.infer<typeof TaskListQuery>;

export const TaskPage = z.object({ tasks: z.array(TaskView), next_cursor: z.string().nullable() });
export type TaskPage = z.infer<typeof TaskPage>;

export const EventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

/** One stored `task.output` event, as replay hands it back. */
export const OutputEvent = z.object({ type: z.literal('task.output'), task_id: z.string(), seq: z.number().int(), item: StreamItem, ts: z.string() });
export type OutputEvent = z.infer<typeof OutputEvent>;

/** GET /api/tasks/{id}/events: what a late client missed, then it follows the WebSocket from `next_after`. */
export const EventsPage = z.object({
  task_id: z.string(),
  status: TaskView.shape.status,
  events: z.array(OutputEvent),
  next_after: z.number().int(),
  has_more: z.boolean(),
});
export type EventsPage = z.infer<typeof EventsPage>;

export const CancelResponse = z.object({ task_id: z.string(), status: z.enum(['cancelled', 'cancelling']) });
export type CancelResponse = z.infer<typeof CancelResponse>;

/**
 * GET /api/tasks/{id}/approval: what an approver needs to decide, beside the task itself. `prompt` is what the run
 * will be given (a command's template rendered from the delivery, wrapped as the run gets it); `delivery` names the
 * stored webhook delivery the task came from, so the dashboard can open it in the inspector.
 */
export const ApprovalContext = z.object({
  task_id: z.string(),
  prompt: z.string(),
  command: z.string().nullable(),
  event_type: z.string().nullable(),
  thread: z.object({ external_id: z.string().nullable(), conversation_id: z.string().nullable(), title: z.string().nullable() }),
  delivery: z.object({ event_id: z.string(), provider: z.string(), webhook_id: z.string().nullable() }).nullable(),
});
export type ApprovalContext = z.infer<typeof ApprovalContext>;
