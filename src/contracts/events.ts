import { z } from 'zod';
import { StreamItem } from './stream-item.js';
import { TaskView } from './task.js';

export const LIVE_EVENT_TYPES = ['task.created', 'task.started', 'task.output', 'task.completed', 'task.failed', 'task.cancelled'] as const;

const lifecycle = (type: Exclude<(typeof LIVE_EVENT_TYPES)[number], 'task.output'>) =>
  z.object({ type: z.literal(type), task_id: z.string(), session_id: z.string(), task: TaskView, error: z.string().nullable().optional() });

/** Messages on WebSocket `/ws/{session_id}`. `task.output` carries the per-task `seq` (from 1) used by replay. */
export const LiveEvent = z.discriminatedUnion('type', [
  lifecycle('task.created'),
  lifecycle('task.started'),
  z.object({ type: z.literal('task.output'), task_id: z.string(), session_id: z.string(), seq: z.number().int().min(1), item: StreamItem, ts: z.string() }),
  lifecycle('task.completed'),
  lifecycle('task.failed'),
  lifecycle('task.cancelled'),
]);
export type LiveEvent = z.infer<typeof LiveEvent>;

/** What a client may send on the socket. */
export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), task_id: z.string().optional(), all: z.boolean().optional() }),
  z.object({ type: z.literal('unsubscribe'), task_id: z.string().optional(), all: z.boolean().optional() }),
  z.object({ type: z.literal('ping') }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
