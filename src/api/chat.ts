import type { FastifyInstance } from 'fastify';
import { ChatRequest, ChatResponse } from '../contracts/chat.js';
import { ERRORS } from '../contracts/common.js';
import { ChatOptions } from '../contracts/run-settings.js';
import { PermissionMode } from '../contracts/webhook-commands.js';
import { DomainError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { defaultModel, KNOWN_MODELS, MODEL_ALIASES } from '../domain/models.js';
import type { Services } from '../services.js';
import { checkWorkspaceChoice } from '../workspace/locate.js';
import { notFound } from './http-errors.js';
import { changesSomething, checkRunSettings } from './run-settings.js';
import { typed } from './schemas.js';

export const DASHBOARD_SESSION = 'dashboard';

export function chatRoutes(app: FastifyInstance, s: Services): void {
  /**
   * A message in: the user's message is stored, a task is queued, and the caller gets ids to follow it by. The
   * agent, model and permission mode sent are kept on the conversation; every turn runs with the conversation's.
   */
  const schema = { tags: ['chat'], summary: 'Send a message: queues a task', body: ChatRequest, response: { 202: ChatResponse, ...ERRORS } };
  typed(app).post('/api/chat', { schema }, async (req, reply) => {
    const body = req.body;
    const settings = await checkRunSettings(s, body);
    const found = body.conversation_id ? await s.repos.conversations.get(body.conversation_id) : undefined;
    if (body.conversation_id && !found) throw notFound(`conversation ${body.conversation_id}`);
    if (found && body.workspace) {
      throw new DomainError('invalid', 'invalid chat request: workspace: is chosen when a conversation starts; this one has its own', { field: 'workspace' });
    }
    const conversation = found && changesSomething(settings) ? ((await s.repos.conversations.update(found.conversation_id, settings)) ?? found) : found;
    const workspace = conversation ? undefined : await checkWorkspaceChoice(s.config, body.workspace);
    const sessionId = body.session_id ?? DASHBOARD_SESSION;
    const taskId = newId('task');
    // One transaction: the message is stored before any worker can take its task (the run reads the conversation),
    // and the task's row last, so that on PostgreSQL the session row all dashboard tasks share is locked only briefly.
    const task = await s.repos.transaction(async (repos) => {
      const conv = conversation ?? (await repos.conversations.create({ title: titleFrom(body.message), source: 'dashboard', ...settings, ...workspace }));
      await repos.conversations.addMessage({ conversation_id: conv.conversation_id, task_id: taskId, role: 'user', content: body.message });
      return s.tasks.insert(
        {
          task_id: taskId,
          session_id: sessionId,
          source: 'dashboard',
          input_message: body.message,
          conversation_id: conv.conversation_id,
          flow_id: conv.flow_id,
          requester: `dashboard:${sessionId}`,
          agent: conv.agent,
          // The model that runs, by its full name (analytics must not see one model as an alias and a name).
          model: conv.model ?? defaultModel(s.config.DEFAULT_MODEL),
          permission_mode: conv.permission_mode,
          budget_usd: body.max_budget_usd ?? null,
        },
        repos,
      );
    });
    await s.tasks.announce(task);
    return reply.code(202).send({ task_id: task.task_id, conversation_id: task.conversation_id! });
  });

  const options = { tags: ['chat'], summary: 'What the composer offers: models, aliases, permission modes, workspace roots', response: { 200: ChatOptions, ...ERRORS } };
  typed(app).get('/api/chat/options', { schema: options }, async () => ({
    models: [...KNOWN_MODELS],
    aliases: { ...MODEL_ALIASES },
    default_model: defaultModel(s.config.DEFAULT_MODEL),
    permission_modes: [...PermissionMode.options],
    default_permission_mode: s.config.DEFAULT_PERMISSION_MODE,
    workspace_roots: s.config.WORKSPACE_ROOTS,
  }));
}

function titleFrom(message: string): string {
  const line = message.trim().split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}…` : line || 'New conversation';
}
