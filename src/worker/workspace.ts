import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import type { SessionTotals } from '../storage/repositories/claude-sessions.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { ConversationRow } from '../storage/schema.js';
import { conversationWorkspaceDir, insideWorkspaceRoots } from '../workspace/locate.js';

/**
 * Where a task runs: its dashboard conversation's workspace, which every turn shares (see src/workspace/locate.ts),
 * else a folder of its own, DATA_DIR/workspaces/<task_id> (a provider's thread checks out afresh for every task).
 */
export async function workspaceFor(config: Config, taskId: string, conversation: ConversationRow | undefined): Promise<string> {
  const shared = conversation ? conversationWorkspaceDir(config, conversation) : undefined;
  if (!shared) return path.join(config.workspacesDir, taskId);
  // A folder of the operator's: still allowed now (WORKSPACE_ROOTS may have changed since the conversation started).
  if (conversation?.workspace_kind === 'path' && !(await insideWorkspaceRoots(config.WORKSPACE_ROOTS, await fs.realpath(shared).catch(() => '')))) {
    throw new Error(`the conversation's workspace ${shared} is no longer inside WORKSPACE_ROOTS (${config.WORKSPACE_ROOTS.join(', ') || 'unset'})`);
  }
  return shared;
}

/**
 * Makes the task's workspace (filled by `fill` while it is empty: a checkout). Its .claude/agents and .claude/skills
 * point at the agent home, so every run sees the registry as it is at the moment the run starts.
 */
export async function prepareWorkspace(config: Config, cwd: string, fill?: (cwd: string) => Promise<void>): Promise<string> {
  // Made now (the first directory created is returned): new, empty, and changed now.
  const fresh = (await fs.mkdir(cwd, { recursive: true })) !== undefined;
  // Retention removes workspaces left unchanged for RETENTION_DAYS: a conversation in use keeps its own.
  const now = new Date();
  if (!fresh) await fs.utimes(cwd, now, now);
  // A retried task finds its first attempt's files; a checkout needs the directory empty.
  if (fill && (fresh || (await fs.readdir(cwd)).length === 0)) await fill(cwd);
  const dotClaude = path.join(cwd, '.claude');
  if (fresh && !fill) {
    // Nothing in it yet: the links are made without looking first.
    await fs.mkdir(dotClaude);
    await Promise.all(['agents', 'skills'].map(async (part) => {
      const source = path.join(config.agentHome, '.claude', part);
      if (await exists(source)) await fs.symlink(source, path.join(dotClaude, part), 'dir');
    }));
    return cwd;
  }
  await fs.mkdir(dotClaude, { recursive: true });
  for (const part of ['agents', 'skills']) {
    const source = path.join(config.agentHome, '.claude', part);
    const link = path.join(dotClaude, part);
    if (!(await exists(source))) continue;
    const current = await fs.lstat(link).catch(() => undefined);
    if (current?.isDirectory()) {
      // The repository has its own .claude/agents (or skills): the registry's entries join it, its own files stay.
      for (const entry of await fs.readdir(source)) {
        const inside = path.join(link, entry);
        if (!(await fs.lstat(inside).catch(() => undefined))) await fs.symlink(path.join(source, entry), inside);
      }
      continue;
    }
    await fs.rm(link, { recursive: true, force: true });
    await fs.symlink(source, link, 'dir');
  }
  return cwd;
}

/** Claude Code files a session under projects/<cwd with every non-alphanumeric character turned into "-">. */
export function sessionFile(configDir: string, cwd: string, sessionId: string): string {
  return path.join(configDir, 'projects', cwd.replace(/[^A-Za-z0-9]/g, '-'), `${sessionId}.jsonl`);
}

async function findSessionFile(configDir: string, cwd: string, sessionId: string): Promise<string | undefined> {
  const expected = sessionFile(configDir, cwd, sessionId);
  if (await exists(expected)) return expected;
  const projects = path.join(configDir, 'projects');
  for (const dir of await fs.readdir(projects).catch(() => [] as string[])) {
    const candidate = path.join(projects, dir, `${sessionId}.jsonl`);
    if (await exists(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Keeps the transcript of a finished run in the database (compressed), so the conversation can be resumed by a worker
 * on any machine, after DATA_DIR is lost, and after the run's own state directory (`configDir`) is gone. A task
 * without a conversation can never be resumed (only a conversation's session is): it keeps its totals only.
 */
export async function saveSession(
  configDir: string,
  repos: Repositories,
  sessionId: string,
  conversationId: string | null,
  cwd: string,
  totals: SessionTotals,
): Promise<void> {
  const file = conversationId ? await findSessionFile(configDir, cwd, sessionId) : undefined;
  await repos.claudeSessions.save(sessionId, conversationId, file ? await fs.readFile(file) : null, totals);
}

/**
 * Puts a session's transcript, from the database, where Claude Code looks for it from this task's working directory
 * in the run's own state (sessions are filed per directory, and every task has its own). Returns false when the
 * database has none, in which case the run starts afresh with the conversation's recent messages as context.
 */
export async function restoreSession(configDir: string, repos: Repositories, sessionId: string, cwd: string): Promise<boolean> {
  const transcript = await repos.claudeSessions.get(sessionId);
  if (transcript === undefined) return false;
  const target = sessionFile(configDir, cwd, sessionId);
  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.writeFile(target, transcript);
  return true;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
