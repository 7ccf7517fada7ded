// What the registry does around each run on a worker: before it, the agent home is brought up to date and a
// dashboard run is given the management tools (a one-time token for /mcp, handed over in the child's environment and
// redacted from everything the run produces); while it runs, the skills it calls are noted; when it ends, they are
// counted and the token is revoked.
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { StreamItem } from '../contracts/stream-item.js';
import type { Logger } from '../logger.js';
import type { GrantMemory } from '../management/grant-memory.js';
import type { Redactor } from '../security/redactor.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import type { RunAdditions, TaskObserver } from '../worker/worker.js';
import type { RegistryMaterialiser } from './materialise.js';

/** The MCP server's name in a run's --mcp-config: its tools are `mcp__service__<tool>`. */
export const MCP_SERVER_NAME = 'service';
/** Sources whose runs get the management tools: the dashboard only, never an outside webhook. */
const MANAGING_SOURCES = new Set(['dashboard']);
/**
 * The child's environment variable holding the run's MCP token. The --mcp-config JSON names it (`${VAR}`, which
 * Claude Code expands in an MCP server's headers), so the token is never on a command line (/proc/<pid>/cmdline).
 */
export const MCP_TOKEN_ENV = 'CLAUDE_CODE_AGENT_MCP_TOKEN';

export class RegistryRunHooks implements TaskObserver {
  private readonly skills = new Map<string, Map<string, number>>();
  private warnedNoEndpoint = false;

  constructor(
    private readonly deps: {
      config: Config;
      repos: Repositories;
      materialiser: RegistryMaterialiser;
      /** Where Claude Code children reach this service (INTERNAL_URL, or the address the HTTP app listens on), asked at each run. */
      internalUrl: () => string | undefined;
      log: Logger;
      redactor: Redactor;
      /** Grants this process made: the /mcp endpoint in the same process believes them without a database read. */
      grants?: GrantMemory;
    },
  ) {}

  /** Called by the worker before it prepares the workspace and starts Claude Code. */
  async prepareRun(task: TaskRow): Promise<RunAdditions> {
    await this.deps.materialiser.ensure();
    if (!MANAGING_SOURCES.has(task.source)) return {};
    const base = this.deps.internalUrl()?.replace(/\/$/, '');
    if (!base) {
      if (!this.warnedNoEndpoint) this.deps.log.warn('dashboard runs get no management tools: set INTERNAL_URL so Claude Code can reach this service');
      this.warnedNoEndpoint = true;
      return {};
    }
    const token = randomBytes(32).toString('base64url');
    // Redacted before the run can print it (`env` in a Bash call), until the run ends and the token is revoked.
    this.deps.redactor.add(tokenSource(task.task_id), token);
    // Valid while the task runs (the endpoint also checks that it is running), and never past its timeout.
    await this.deps.repos.registryUsage.grant(token, task.task_id, (this.deps.config.TASK_TIMEOUT_SECONDS + 60) * 1000);
    this.deps.grants?.remember(token, task.task_id);
    const headers = { Authorization: `Bearer \${${MCP_TOKEN_ENV}}` };
    return {
      mcpConfig: JSON.stringify({ mcpServers: { [MCP_SERVER_NAME]: { type: 'http', url: `${base}/mcp`, headers } } }),
      env: { [MCP_TOKEN_ENV]: token },
      // -p runs ask before using an MCP tool, and nobody is there to answer: the service's own tools are allowed.
      allowedTools: [`mcp__${MCP_SERVER_NAME}`],
    };
  }

  onStart(task: TaskRow): void {
    this.skills.delete(task.task_id);
  }

  onItem(task: TaskRow, item: StreamItem): void {
    if (item.kind !== 'tool_use' || item.name !== 'Skill') return;
    const name = skillName(item.input);
    if (!name) return;
    const uses = this.skills.get(task.task_id) ?? new Map<string, number>();
    uses.set(name, (uses.get(name) ?? 0) + 1);
    this.skills.set(task.task_id, uses);
  }

  async onFinish(task: TaskRow): Promise<void> {
    const uses = this.skills.get(task.task_id);
    this.skills.delete(task.task_id);
    this.deps.grants?.forgetTask(task.task_id); // first: a revoke that fails in the database is still not believed here
    await this.deps.repos.registryUsage.revoke(task.task_id);
    this.deps.redactor.delete(tokenSource(task.task_id));
    if (uses) await this.deps.repos.registryUsage.recordSkills(task.task_id, uses);
  }
}

/** The Skill tool's input names the skill as `skill` (`command` in older builds), sometimes with a leading "/". */
function skillName(input: unknown): string | undefined {
  if (!input || typeof input !== 'object') return undefined;
  const raw = (input as Record<string, unknown>).skill ?? (input as Record<string, unknown>).command;
  if (typeof raw !== 'string') return undefined;
  const name = raw.trim().replace(/^\//, '').split(/\s/)[0] ?? '';
  return /^[A-Za-z0-9:_-]{1,100}$/.test(name) ? name : undefined;
}

const tokenSource = (taskId: string) => `mcp:${taskId}`;
