// The service's own management tools, as an MCP server that dashboard runs reach over Streamable HTTP (see
// mcp-routes.ts). Each tool calls the same service as the HTTP API behind it — WebhookConfigService (the webhook
// API's) and RegistryService (the registry API's) — so a tool call is validated, stored and shown exactly like the
// request a user would send. The tools' input schemas only describe the fields; the shared validators decide.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { TASK_STATUSES } from '../domain/task-status.js';
import type { Logger } from '../logger.js';
import { DomainError, notFound } from '../domain/errors.js';
import type { RegistryService } from '../registry/registry-service.js';
import { taskView } from '../storage/views.js';
import type { WebhookConfigService, WebhookStoreDeps } from '../webhooks/config-service.js';

export interface ManagementDeps extends WebhookStoreDeps {
  webhooks: WebhookConfigService;
  registry: RegistryService;
  log: Logger;
}

const text = (value: unknown): CallToolResult => ({ content: [{ type: 'text', text: JSON.stringify(value, null, 2) }] });

/**
 * A run never sees a webhook secret: whatever a tool answers stays in the task's output, its stored events and the
 * conversation for good. The answer says where the user gets it instead — the webhook's dashboard page, whose
 * Rotate secret shows a new one once (the value is redacted from every run anyway, from the moment it exists).
 */
export function withoutSecrets(value: unknown, publicBase: string): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key !== 'secret') out[key] = key === 'webhook' ? withoutSecrets(v, publicBase) : v;
  }
  if ('secret' in value) {
    const id = typeof out.webhook_id === 'string' ? out.webhook_id : '{id}';
    out.secret_note =
      `The secret is not shown to a run (it would stay in the task output and the conversation). ` +
      `To get it, open ${publicBase}/hooks/${id} in the dashboard and press Rotate secret: the new secret is shown there once ` +
      `(or PATCH /api/webhooks/${id} {"rotate_secret":true}, whose answer holds it).`;
  }
  return out;
}

const commandFields = {
  name: z.string().describe('one word: letters, digits, "-" or "_"'),
  trigger: z.string().describe('event type(s) it runs on: issues.opened, jira:issue_created, app_mention…, a comma list, or *'),
  template: z.string().nullable().optional().describe('prompt template: {{dot.path}} into the payload, {{user_content}}, {{provider}}, {{task_id}}'),
  action: z.string().optional().describe('create_task (default), comment, github_reaction, github_label or slack_message'),
  agent: z.string().nullable().optional().describe('registry agent the task runs as'),
  conditions: z.unknown().optional().describe('{path, op, value} or {all: [...]}/{any: [...]}; ops: equals, not_equals, in, contains, matches, exists'),
  options: z.record(z.string(), z.unknown()).nullable().optional().describe('{labels} for github_label, {reaction} for github_reaction, {channel} for slack_message'),
  aliases: z.array(z.string()).optional(),
  description: z.string().nullable().optional(),
  priority: z.number().optional().describe('lower runs first (default 100)'),
  permissions: z.unknown().optional().describe('{permission_mode: default|acceptEdits|plan|dontAsk, allowed_tools?, disallowed_tools?}'),
  needs_approval: z.boolean().optional(),
  stop_after_match: z.boolean().optional(),
  enabled: z.boolean().optional(),
};

/** A fresh server for one request (the endpoint is stateless); `taskId` is the run the tools were granted to. */
export function managementServer(deps: ManagementDeps, taskId: string): McpServer {
  const server = new McpServer({ name: 'claude-code-agent', version: '1.0.0' }, { maxToolInputElements: 5_000 });

  const tool = <Shape extends z.ZodRawShape>(name: string, description: string, shape: Shape, run: (args: z.infer<z.ZodObject<Shape>>) => Promise<unknown>) =>
    server.registerTool(name, { description, inputSchema: shape }, (async (args: z.infer<z.ZodObject<Shape>>) => {
      try {
        return text(withoutSecrets(await run(args), deps.publicBase()));
      } catch (err) {
        if (err instanceof DomainError) return { isError: true, content: [{ type: 'text', text: err.message }] };
        deps.log.error({ err, tool: name, task_id: taskId }, 'management tool failed');
        return { isError: true, content: [{ type: 'text', text: `${name} failed inside the service; the error is in its log` }] };
      }
    }) as never);

  // ---- webhooks ----
  const { webhooks } = deps;
  tool('list_webhooks', "List the configured webhooks (with their command counts) and the built-in routes with their commands, as GET /api/webhooks. Secrets are never shown.", {}, () =>
    webhooks.list(),
  );
  tool('get_webhook', 'One webhook config and its commands.', { webhook_id: z.string() }, (a) => webhooks.get(a.webhook_id));
  tool(
    'create_webhook',
    'Create a webhook config (an endpoint /webhooks/{provider}/{webhook_id} with its own secret). The secret is never shown to a run: secret_note in the answer tells the user where to get it.',
    { name: z.string(), provider: z.string().describe('github, jira, slack, sentry or generic'), enabled: z.boolean().optional() },
    (a) => webhooks.create(a),
  );
  tool(
    'update_webhook',
    'Rename, enable or disable a webhook config, or rotate its secret (the new one is never shown to a run; secret_note says where the user gets it).',
    { webhook_id: z.string(), name: z.string().optional(), enabled: z.boolean().optional(), rotate_secret: z.literal(true).optional() },
    ({ webhook_id, ...patch }) => webhooks.update(webhook_id, patch),
  );
  tool('create_webhook_command', 'Add a command to a webhook config; checked like POST /api/webhooks/{id}/commands.', { webhook_id: z.string(), ...commandFields }, ({ webhook_id, ...command }) =>
    webhooks.addCommand(webhook_id, command),
  );
  tool(
    'update_webhook_command',
    'Change some fields of a webhook command; checked like PATCH /api/webhooks/{id}/commands/{command_id}.',
    { webhook_id: z.string(), command_id: z.string(), changes: z.object(commandFields).partial() },
    (a) => webhooks.updateCommand(a.webhook_id, a.command_id, a.changes),
  );

  // ---- registry ----
  tool('list_agents', "List the registry's agents with their usage figures.", {}, () => deps.registry.listAgents());
  tool('get_agent', "One agent's whole markdown file.", { name: z.string() }, (a) => deps.registry.getAgent(a.name));
  tool(
    'create_agent',
    'Add an agent: `content` is the whole markdown file, frontmatter (name, description, tools, model) then the system prompt.',
    { name: z.string(), content: z.string() },
    (a) => deps.registry.createAgent(a),
  );
  tool('update_agent', "Replace an agent's whole markdown file (a built-in is overridden and can be restored).", { name: z.string(), content: z.string() }, (a) =>
    deps.registry.updateAgent(a.name, { content: a.content }),
  );
  tool('list_skills', "List the registry's skills with their usage figures.", {}, () => deps.registry.listSkills());
  tool('get_skill', "One skill's files.", { name: z.string() }, (a) => deps.registry.getSkill(a.name));
  tool(
    'create_skill',
    'Add a skill folder: `files` maps relative paths to text, SKILL.md (frontmatter name, description, allowed-tools; optional webhook_config as a YAML mapping or one line of JSON) required.',
    { name: z.string(), files: z.record(z.string(), z.string()) },
    (a) => deps.registry.createSkill(a),
  );
  tool('update_skill', "Replace a skill's whole folder with `files`.", { name: z.string(), files: z.record(z.string(), z.string()) }, (a) =>
    deps.registry.updateSkill(a.name, { files: a.files }),
  );

  // ---- tasks (read only) ----
  tool(
    'list_tasks',
    'Recent tasks, newest first.',
    { status: z.array(z.enum(TASK_STATUSES)).optional(), source: z.string().optional(), limit: z.number().int().min(1).max(50).optional() },
    async (a) => {
      const page = await deps.repos.tasks.list({ status: a.status, source: a.source, limit: a.limit ?? 20 });
      return { tasks: page.tasks.map(taskView) };
    },
  );
  tool('get_task', 'One task: status, outcome, output, error, cost, tokens.', { task_id: z.string() }, async (a) => {
    const row = await deps.repos.tasks.get(a.task_id);
    if (!row) throw notFound(`task ${a.task_id}`);
    return taskView(row);
  });

  return server;
}
