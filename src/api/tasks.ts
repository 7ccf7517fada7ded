import type { FastifyInstance } from 'fastify';
import { EventsQuery, TaskListQuery } from '../contracts/api.js';
import type { Services } from '../services.js';
import { taskView } from '../storage/views.js';
import { HttpError, notFound, parse } from './http-errors.js';

export function taskRoutes(app: FastifyInstance, s: Services): void {
  app.get('/api/tasks', async (req) => {
    const q = parse(TaskListQuery, req.query, 'query');
    const page = await s.repos.tasks.list(q);
    return { tasks: page.tasks.map(taskView), next_cursor: page.next_cursor };
  });

  app.get<{ Params: { id: string } }>('/api/tasks/:id', async (req) => {
    const task = await s.repos.tasks.get(req.params.id);
    if (!task) throw notFound(`task ${req.params.id}`);
    return taskView(task);
  });

  /** What a late client missed: events after `after`, oldest first, then it follows the WebSocket. */
  app.get<{ Params: { id: string } }>('/api/tasks/:id/events', async (req) => {
    const q = parse(EventsQuery, req.query, 'query');
    const task = await s.repos.tasks.get(req.params.id);
    if (!task) throw notFound(`task ${req.params.id}`);
    const events = await s.repos.events.listAfter(task.task_id, q.after, q.limit);
    const last = events.at(-1)?.seq ?? q.after;
    return {
      task_id: task.task_id,
      status: task.status,
      events: events.map((e) => ({ type: 'task.output', task_id: e.task_id, seq: e.seq, item: e.item, ts: new Date(e.created_at).toISOString() })),
      next_after: last,
      has_more: events.length === q.limit,
    };
  });

  /**
   * The dashboard's approval: a task waiting for approval goes to the queue (approve) or is cancelled (reject). Each
   * is one conditional move from `waiting_approval`; a task anywhere else is a 409 naming where it is.
   */
  const notWaiting = async (taskId: string) => {
    const now = await s.repos.tasks.get(taskId);
    return new HttpError(409, `task ${taskId} is ${now?.status ?? 'gone'}, not waiting for approval`);
  };

  app.post<{ Params: { id: string } }>('/api/tasks/:id/approve', async (req) => {
    const task = await s.repos.tasks.get(req.params.id);
    if (!task) throw notFound(`task ${req.params.id}`);
    const row = await s.tasks.approve(task.task_id);
    if (!row) throw await notWaiting(task.task_id);
    return taskView(row);
  });

  app.post<{ Params: { id: string } }>('/api/tasks/:id/reject', async (req) => {
    const task = await s.repos.tasks.get(req.params.id);
    if (!task) throw notFound(`task ${req.params.id}`);
    const row = await s.tasks.reject(task.task_id, 'rejected from the dashboard');
    if (!row) throw await notWaiting(task.task_id);
    return taskView(row);
  });

  app.post<{ Params: { id: string } }>('/api/tasks/:id/cancel', async (req, reply) => {
    const result = await s.tasks.cancel(req.params.id, 'cancelled by a user');
    switch (result.outcome) {
      case 'not_found':
        throw notFound(`task ${req.params.id}`);
      case 'already_finished':
        throw new HttpError(409, `task ${req.params.id} already finished (${result.status}); nothing to cancel`);
      case 'cancelled':
        return reply.code(200).send({ task_id: result.task.task_id, status: 'cancelled' });
      case 'cancelling':
        return reply.code(202).send({ task_id: result.task.task_id, status: 'cancelling' });
    }
  });
}
