import type { FastifyInstance } from 'fastify';
import { ConversationCreate, ConversationListQuery, ConversationPatch, MessagesQuery } from '../contracts/api.js';
import type { Services } from '../services.js';
import { conversationView, messageView } from '../storage/views.js';
import { notFound, parse } from './http-errors.js';

export function conversationRoutes(app: FastifyInstance, s: Services): void {
  app.get('/api/conversations', async (req) => {
    const q = parse(ConversationListQuery, req.query, 'query');
    const page = await s.repos.conversations.list(q);
    return { conversations: page.conversations.map(conversationView), next_cursor: page.next_cursor };
  });

  app.post('/api/conversations', async (req, reply) => {
    const body = parse(ConversationCreate, req.body, 'conversation');
    const row = await s.repos.conversations.create({ title: body.title ?? 'New conversation', source: 'dashboard' });
    return reply.code(201).send(conversationView(row));
  });

  app.get<{ Params: { id: string } }>('/api/conversations/:id', async (req) => {
    const row = await s.repos.conversations.get(req.params.id);
    if (!row) throw notFound(`conversation ${req.params.id}`);
    return conversationView(row);
  });

  app.patch<{ Params: { id: string } }>('/api/conversations/:id', async (req) => {
    const body = parse(ConversationPatch, req.body, 'conversation');
    const row = await s.repos.conversations.update(req.params.id, body);
    if (!row) throw notFound(`conversation ${req.params.id}`);
    return conversationView(row);
  });

  app.delete<{ Params: { id: string } }>('/api/conversations/:id', async (req, reply) => {
    if (!(await s.repos.conversations.delete(req.params.id))) throw notFound(`conversation ${req.params.id}`);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/api/conversations/:id/messages', async (req) => {
    const q = parse(MessagesQuery, req.query, 'query');
    if (!(await s.repos.conversations.get(req.params.id))) throw notFound(`conversation ${req.params.id}`);
    const page = await s.repos.conversations.messages(req.params.id, q);
    return { messages: page.messages.map(messageView), before_cursor: page.before_cursor };
  });
}
