import type { FastifyInstance } from 'fastify';
import { ERRORS, IdParams } from '../contracts/common.js';
import type { StreamItem } from '../contracts/stream-item.js';
import { TaskView } from '../contracts/task.js';
import { ApprovalContext, CancelResponse, EventsPage, EventsQuery, TaskListQuery, TaskPage } from '../contracts/tasks.js';
import type { Services } from '../services.js';
import { taskView } from '../storage/views.js';
import { approvalContext } from '../tasks/approval-context.js';
import { conflict, notFound } from './http-errors.js';
import { typed } from './schemas.js';

const tags = ['tasks'];
const one = { tags, params: IdParams, response: { 200: TaskView, ...ERRORS } };

export function taskRoutes(plain: FastifyInstance, s: Services): void {
  const app = typed(plain);
  app.get('/api/tasks', { schema: { tags, summary: 'Tasks, newest first, in keyset pages', querystring: TaskListQuery, response: { 200: TaskPage, ...ERRORS } } }, async (req) => {
    const page = await s.repos.tasks.list(req.query);
    return { tasks: page.tasks.map(taskView), next_cursor: page.next_cursor };
  });

  app.get('/api/tasks/:id', { schema: { ...one, summary: 'One task' } }, async (req) => {
    const task = await s.repos.tasks.get(req.params.id);
    if (!task) throw notFound(`task ${req.params.id}`);
    return taskView(task);
  });

  const approval = { tags, summary: 'What an approver decides on: the rendered prompt, the command, the thread and the delivery', params: IdParams, response: { 200: ApprovalContext, ...ERRORS } };
  app.get('/api/tasks/:id/approval', { schema: approval }, async (req) => {
    const task = await s.repos.tasks.get(req.params.id);
    if (!task) throw notFound(`task ${req.params.id}`);
    return approvalContext(s.repos, task);
  });

  /** What a late client missed: events after `after`, oldest first, then it follows the WebSocket. */
  const events = { tags, summary: "A task's stored output events after `after`", params: IdParams, querystring: EventsQuery, response: { 200: EventsPage, ...ERRORS } };
  app.get('/api/tasks/:id/events', { schema: events }, async (req) => {
    const q = req.query;
    const task = await s.repos.tasks.get(req.params.id);
    if (!task) throw notFound(`task ${req.params.id}`);
    const rows = await s.repos.events.listAfter(task.task_id, q.after, q.limit);
    const last = rows.at(-1)?.seq ?? q.after;
    return {
      task_id: task.task_id,
      status: task.status as TaskView['status'],
      events: rows.map((e) => ({ type: 'task.output' as const, task_id: e.task_id, seq: e.seq, item: e.item as StreamItem, ts: new Date(e.created_at).toISOString() })),
      next_after: last,
      has_more: rows.length === q.limit,
    };
  });

  /**
   * The dashboard's approval: a task waiting for approval goes to the queue (approve) or is cancelled (reject). Each
   * is one conditional move from `waiting_approval`; a task anywhere else is a 409 naming where it is.
   */
  const notWaiting = async (taskId: string) => {
    const now = await s.repos.tasks.get(taskId);
    return conflict(`task ${taskId} is ${now?.status ?? 'gone'}, not waiting for approval`);
  };

  app.post('/api/tasks/:id/approve', { schema: { ...one, summary: 'Approve a task waiting for approval' } }, async (req) => {
    const task = await s.repos.tasks.get(req.params.id);
    if (!task) throw notFound(`task ${req.params.id}`);
    const row = await s.tasks.approve(task.task_id);
    if (!row) throw await notWaiting(task.task_id);
    return taskView(row);
  });

  app.post('/api/tasks/:id/reject', { schema: { ...one, summary: 'Reject a task waiting for approval' } }, async (req) => {
    const task = await s.repos.tasks.get(req.params.id);
    if (!task) throw notFound(`task ${req.params.id}`);
    const row = await s.tasks.reject(task.task_id, 'rejected from the dashboard');
    if (!row) throw await notWaiting(task.task_id);
    return taskView(row);
  });

  const cancel = { tags, summary: 'Cancel a task (202 while a running one stops)', params: IdParams, response: { 200: CancelResponse, 202: CancelResponse, ...ERRORS } };
  app.post('/api/tasks/:id/cancel', { schema: cancel }, async (req, reply) => {
    const result = await s.tasks.cancel(req.params.id, 'cancelled by a user');
    switch (result.outcome) {
      case 'not_found':
        throw notFound(`task ${req.params.id}`);
      case 'already_finished':
        throw conflict(`task ${req.params.id} already finished (${result.status}); nothing to cancel`);
      case 'cancelled':
        return reply.code(200).send({ task_id: result.task.task_id, status: 'cancelled' });
      case 'cancelling':
        return reply.code(202).send({ task_id: result.task.task_id, status: 'cancelling' });
    }
  });
}
