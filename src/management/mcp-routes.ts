// POST /mcp: the management tools over MCP Streamable HTTP, stateless (a fresh server per request, JSON answers; the
// tool list is kept, see mcp-tool-list.ts). The caller is a dashboard run's Claude Code: its --mcp-config carries
// `Authorization: Bearer <token>`, a one-time token minted for that task (only its hash is stored) and honoured while
// the task is running (a grant made or checked by this process is believed for a few seconds, or until its run ends
// here: see grant-memory.ts). Anything else gets a 404, so the endpoint says nothing to a caller without a live grant.
import type { IncomingMessage } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import { webhookConfigService } from '../webhooks/config-service.js';
import { managementServer } from './mcp-server.js';
import { toolListAnswer, toolListOnce } from './mcp-tool-list.js';

/**
 * MCP's stateless revision: Claude Code (2.1.330) first asks `server/discover` and, answered, goes straight to
 * `tools/list` — no initialize, no initialized notification, no GET for a stream. Unanswered (a 400), it falls back to
 * that four-request handshake.
 */
const STATELESS_VERSION = '2026-07-28';
const discovery = () => ({
  resultType: 'complete',
  supportedVersions: [STATELESS_VERSION, LATEST_PROTOCOL_VERSION],
  capabilities: { tools: { listChanged: false } },
  _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'claude-code-agent', version: '1.0.0' } },
});

/** The SDK's transport reads the raw header list (through a web Request), so the version is changed there too. */
function speaksLatest(raw: IncomingMessage): void {
  raw.headers['mcp-protocol-version'] = LATEST_PROTOCOL_VERSION;
  for (let i = 0; i < raw.rawHeaders.length; i += 2) {
    if (raw.rawHeaders[i]!.toLowerCase() === 'mcp-protocol-version') raw.rawHeaders[i + 1] = LATEST_PROTOCOL_VERSION;
  }
}

/**
 * The id of Claude Code's stateless `tools/list` (one JSON-RPC request with a plain id, the stateless version, a JSON
 * answer accepted), answered from the kept list; anything else (undefined) goes to the SDK, which checks it as before.
 */
function plainToolList(req: FastifyRequest): string | number | undefined {
  const message = req.body as { jsonrpc?: unknown; id?: unknown; method?: unknown } | undefined;
  if (message?.jsonrpc !== '2.0' || message.method !== 'tools/list') return undefined;
  if (req.headers['mcp-protocol-version'] !== STATELESS_VERSION || !req.headers.accept?.includes('application/json')) return undefined;
  return typeof message.id === 'string' || typeof message.id === 'number' ? message.id : undefined;
}

export function mcpRoutes(app: FastifyInstance, s: Services): void {
  const registry = s.registry;

  // The grant is checked on the matched route before the body is read: a caller without one gets the same 404
  // whatever it sends, and never makes the service parse a large body.
  const grants = new WeakMap<FastifyRequest, string>();
  const webhooks = webhookConfigService(s);
  const deps = { repos: s.repos, registry: registry.service, log: s.log, publicBase: registry.publicBase, webhooks };
  // The same for every run: listed once (a run's startup waits for it), by the SDK's own server for no task in particular.
  const toolList = toolListOnce(() => managementServer(deps, 'tools/list'));
  const granted = async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    // A grant this process made or checked a moment ago (the run's handshake) is believed without a database read.
    const remembered = token ? registry.grants.recall(token) : undefined;
    if (remembered) return void grants.set(req, remembered);
    const taskId = token ? await s.repos.registryUsage.taskForToken(token) : undefined;
    const task = taskId ? await s.repos.tasks.get(taskId) : undefined;
    if (!token || !task || task.status !== 'running') return reply.code(404).send({ error: 'no management endpoint here' });
    registry.grants.remember(token, task.task_id);
    grants.set(req, task.task_id);
  };

  app.post('/mcp', { onRequest: granted }, async (req, reply) => {
    const taskId = grants.get(req)!;
    const message = req.body as { id?: unknown; method?: unknown } | undefined;
    if (message?.method === 'server/discover') {
      void toolList().catch(() => undefined); // tools/list comes next: listed meanwhile (once per process)
      return reply.send({ jsonrpc: '2.0', id: message.id ?? null, result: discovery() });
    }
    const id = plainToolList(req);
    if (id !== undefined) return reply.type('application/json').send(toolListAnswer(id, await toolList()));
    // A stateless (2026-07-28) request is answered by the same handlers: what differs is the version it names,
    // which the SDK (speaking 2025-11-25) would refuse with a 400.
    if (req.headers['mcp-protocol-version'] === STATELESS_VERSION) speaksLatest(req.raw);

    const server = managementServer(deps, taskId);
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
      req.log.error({ err, task_id: taskId }, 'management endpoint failed');
      if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'application/json' });
      if (!reply.raw.writableEnded) reply.raw.end(JSON.stringify({ error: 'internal error' }));
    }
  });

  // Stateless: no SSE stream to open and no session to end.
  const notAllowed = async (_req: unknown, reply: import('fastify').FastifyReply) => reply.code(405).header('allow', 'POST').send({ error: 'POST JSON-RPC messages to /mcp' });
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
}
