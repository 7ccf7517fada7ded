// POST /mcp: the management tools over MCP Streamable HTTP, stateless (a fresh server per request, JSON answers).
// The caller is a dashboard run's Claude Code: its --mcp-config carries `Authorization: Bearer <token>`, a one-time
// token minted for that task (only its hash is stored) and honoured while the task is running. Anything else gets a
// 404, so the endpoint says nothing to a caller without a live grant.
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TaskRow } from '../storage/schema.js';
import type { Services } from '../services.js';
import { managementServer } from './mcp-server.js';

export function mcpRoutes(app: FastifyInstance, s: Services): void {
  const registry = s.registry;

  // The grant is checked on the matched route before the body is read: a caller without one gets the same 404
  // whatever it sends, and never makes the service parse a large body.
  const grants = new WeakMap<FastifyRequest, TaskRow>();
  const granted = async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const taskId = token ? await s.repos.registryUsage.taskForToken(token) : undefined;
    const task = taskId ? await s.repos.tasks.get(taskId) : undefined;
    if (!task || task.status !== 'running') return reply.code(404).send({ error: 'no management endpoint here' });
    grants.set(req, task);
  };

  app.post('/mcp', { onRequest: granted }, async (req, reply) => {
    const task = grants.get(req)!;

    const server = managementServer({ repos: s.repos, registry: registry.service, log: s.log, publicBase: registry.publicBase }, task.task_id);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req.raw, reply.raw, req.body);
    } catch (err) {
      req.log.error({ err, task_id: task.task_id }, 'management endpoint failed');
      if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'application/json' });
      if (!reply.raw.writableEnded) reply.raw.end(JSON.stringify({ error: 'internal error' }));
    }
  });

  // Stateless: no SSE stream to open and no session to end.
  const notAllowed = async (_req: unknown, reply: import('fastify').FastifyReply) => reply.code(405).header('allow', 'POST').send({ error: 'POST JSON-RPC messages to /mcp' });
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
}
