import type { FastifyInstance } from 'fastify';
import { ChatRequest, ChatResponse } from '../contracts/chat.js';
import { ERRORS } from '../contracts/common.js';
import type { Services } from '../services.js';
import { DomainError, notFound } from './http-errors.js';
import { typed } from './schemas.js';

export const DASHBOARD_SESSION = 'dashboard';

export function chatRoutes(app: FastifyInstance, s: Services): void {
  /** A message in: the user's message is stored, a task is queued, and the caller gets ids to follow it by. */
  const schema = { tags: ['chat'], summary: 'Send a message: queues a task', body: ChatRequest, response: { 202: ChatResponse, ...ERRORS } };
  typed(app).post('/api/chat', { schema }, async (req, reply) => {
    const body = req.body;
    // An unknown --agent makes Claude Code exit 1 after the task was queued: refused here instead.
    if (body.agent && s.registry) {
      const agents = await s.registry.service.runnableAgents();
      if (!agents.includes(body.agent)) {
        throw new DomainError('invalid', `invalid chat request: agent: no agent "${body.agent}"; available: ${agents.join(', ')}`, { field: 'agent', details: { field: 'agent', available: agents } });
      }
    }
    let conversation = body.conversation_id ? await s.repos.conversations.get(body.conversation_id) : undefined;
    if (body.conversation_id && !conversation) throw notFound(`conversation ${body.conversation_id}`);
    conversation ??= await s.repos.conversations.create({ title: titleFrom(body.message), source: 'dashboard' });
    const sessionId = body.session_id ?? DASHBOARD_SESSION;
    const task = await s.tasks.create({
      session_id: sessionId,
      source: 'dashboard',
      input_message: body.message,
      conversation_id: conversation.conversation_id,
      flow_id: conversation.flow_id,
      requester: `dashboard:${sessionId}`,
      agent: body.agent ?? null,
      model: body.model ?? null,
      budget_usd: body.max_budget_usd ?? null,
    });
    await s.repos.conversations.addMessage({ conversation_id: conversation.conversation_id, task_id: task.task_id, role: 'user', content: body.message });
    return reply.code(202).send({ task_id: task.task_id, conversation_id: conversation.conversation_id });
  });
}

function titleFrom(message: string): string {
  const line = message.trim().split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}…` : line || 'New conversation';
}
