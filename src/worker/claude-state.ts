import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config.js';

/**
 * Each run keeps its Claude Code state (sessions, settings cache, shell snapshots) in a directory of its own,
 * DATA_DIR/claude-state/<task_id>, so no run can read another conversation's transcript. The transcript a run
 * resumes is restored into it from the database, and it is removed when the run ends (the transcript is saved to the
 * database first).
 */
export interface ClaudeState {
  root: string;
  /** HOME of a sandboxed run: no operator profile (.bashrc, pyenv…) runs in it. */
  home: string;
  /** CLAUDE_CONFIG_DIR of the run. */
  configDir: string;
}

/** A `claude` logged in with a Claude subscription keeps its login here; runs get a copy of this file only. */
const LOGIN_FILE = '.credentials.json';

/** Where the operator's Claude Code keeps its login: CLAUDE_CONFIG_DIR, else ~/.claude of the service's user. */
export function operatorClaudeDir(config: Config): string {
  return config.CLAUDE_CONFIG_DIR ?? path.join(process.env.HOME ?? os.homedir(), '.claude');
}

export function claudeStateRoot(config: Config): string {
  return path.join(config.dataDir, 'claude-state');
}

/** A fresh state directory for a run (a retried task starts clean), with a copy of the operator's login if any. */
export async function prepareClaudeState(config: Config, taskId: string): Promise<ClaudeState> {
  const root = path.join(claudeStateRoot(config), taskId);
  const home = path.join(root, 'home');
  const configDir = path.join(home, '.claude');
  // One call in the usual case: made is the first directory it created (the root, or a folder above it), else the
  // root was there already (a retried task's) and goes first.
  const made = await fs.mkdir(configDir, { recursive: true, mode: 0o700 });
  if (made === undefined || made.length > root.length) {
    await fs.rm(root, { recursive: true, force: true });
    await fs.mkdir(configDir, { recursive: true, mode: 0o700 });
  }
  try {
    await fs.copyFile(path.join(operatorClaudeDir(config), LOGIN_FILE), path.join(configDir, LOGIN_FILE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return { root, home, configDir };
}

/**
 * A subscription login refreshes its token inside the run's copy; the operator's copy gets the refreshed one back
 * (written whole, then renamed), or the next run would start from a token that may no longer be valid.
 */
export async function keepRefreshedLogin(config: Config, state: ClaudeState): Promise<void> {
  const operatorFile = path.join(operatorClaudeDir(config), LOGIN_FILE);
  const [before, after] = await Promise.all([readIfThere(operatorFile), readIfThere(path.join(state.configDir, LOGIN_FILE))]);
  if (before === undefined || after === undefined || before === after) return;
  const temp = `${operatorFile}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(temp, after, { mode: 0o600 });
  await fs.rename(temp, operatorFile);
}

export async function removeClaudeState(state: ClaudeState): Promise<void> {
  await fs.rm(state.root, { recursive: true, force: true });
}

/** Removes what runs that ended with their process (a crash, a SIGKILL) left behind; a task still running keeps its own. */
export async function sweepClaudeState(config: Config, isRunning: (taskId: string) => Promise<boolean>): Promise<string[]> {
  const root = claudeStateRoot(config);
  const removed: string[] = [];
  for (const taskId of await fs.readdir(root).catch(() => [] as string[])) {
    if (await isRunning(taskId)) continue;
    await fs.rm(path.join(root, taskId), { recursive: true, force: true });
    removed.push(taskId);
  }
  return removed;
}

/**
 * Retention: removes state directories last changed before `cutoff` of tasks no longer running (a run's state is
 * removed when it ends; what stays was left by a crash this process's start-up sweep did not see).
 */
export async function pruneClaudeState(config: Config, cutoff: number, isRunning: (taskId: string) => Promise<boolean>): Promise<number> {
  return pruneOldDirs(claudeStateRoot(config), cutoff, isRunning);
}

/**
 * Removes the directories directly under `root` (one per task: Claude state, workspaces) last changed before
 * `cutoff`, except a running task's. Returns how many went.
 */
export async function pruneOldDirs(root: string, cutoff: number, isRunning: (name: string) => Promise<boolean>): Promise<number> {
  let removed = 0;
  for (const name of await fs.readdir(root).catch(() => [] as string[])) {
    const dir = path.join(root, name);
    const stat = await fs.lstat(dir).catch(() => undefined);
    if (!stat?.isDirectory() || stat.mtimeMs >= cutoff || (await isRunning(name))) continue;
    await fs.rm(dir, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

async function readIfThere(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}
