import type { FastifyInstance } from 'fastify';
import { ERRORS, IdParams, NoContent } from '../contracts/common.js';
import { Conversation, ConversationCreate, ConversationListQuery, ConversationPage, ConversationPatch, MessagePage, MessagesQuery } from '../contracts/conversations.js';
import type { Services } from '../services.js';
import { conversationView, messageView } from '../storage/views.js';
import { checkWorkspaceChoice } from '../workspace/locate.js';
import { notFound } from './http-errors.js';
import { checkRunSettings } from './run-settings.js';
import { typed } from './schemas.js';

const tags = ['conversations'];
const one = { tags, params: IdParams, response: { 200: Conversation, ...ERRORS } };

export function conversationRoutes(plain: FastifyInstance, s: Services): void {
  const app = typed(plain);
  app.get('/api/conversations', { schema: { tags, summary: 'Conversations, most recent first', querystring: ConversationListQuery, response: { 200: ConversationPage, ...ERRORS } } }, async (req) => {
    const page = await s.repos.conversations.list(req.query);
    return { conversations: page.conversations.map(conversationView), next_cursor: page.next_cursor };
  });

  app.post('/api/conversations', { schema: { tags, summary: 'Start a conversation', body: ConversationCreate, response: { 201: Conversation, ...ERRORS } } }, async (req, reply) => {
    const body = req.body;
    const settings = await checkRunSettings(s, body);
    const workspace = await checkWorkspaceChoice(s.config, body.workspace);
    const row = await s.repos.conversations.create({ title: body.title ?? 'New conversation', source: 'dashboard', ...settings, ...workspace });
    return reply.code(201).send(conversationView(row));
  });

  app.get('/api/conversations/:id', { schema: { ...one, summary: 'One conversation' } }, async (req) => {
    const row = await s.repos.conversations.get(req.params.id);
    if (!row) throw notFound(`conversation ${req.params.id}`);
    return conversationView(row);
  });

  const patch = { ...one, summary: "Rename or archive a conversation, or change its turns' agent, model or permission mode", body: ConversationPatch };
  app.patch('/api/conversations/:id', { schema: patch }, async (req) => {
    const { title, archived } = req.body;
    const settings = await checkRunSettings(s, req.body);
    const row = await s.repos.conversations.update(req.params.id, { title, archived, ...settings });
    if (!row) throw notFound(`conversation ${req.params.id}`);
    return conversationView(row);
  });

  app.delete('/api/conversations/:id', { schema: { tags, summary: 'Delete a conversation', params: IdParams, response: { 204: NoContent, ...ERRORS } } }, async (req, reply) => {
    if (!(await s.repos.conversations.delete(req.params.id))) throw notFound(`conversation ${req.params.id}`);
    return reply.code(204).send();
  });

  const messages = { tags, summary: "A conversation's messages, newest page first", params: IdParams, querystring: MessagesQuery, response: { 200: MessagePage, ...ERRORS } };
  app.get('/api/conversations/:id/messages', { schema: messages }, async (req) => {
    const q = req.query;
    if (!(await s.repos.conversations.get(req.params.id))) throw notFound(`conversation ${req.params.id}`);
    const page = await s.repos.conversations.messages(req.params.id, q);
    return { messages: page.messages.map(messageView), before_cursor: page.before_cursor };
  });
}
