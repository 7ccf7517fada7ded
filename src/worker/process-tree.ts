import fs from 'node:fs';

/**
 * Every process below `pid`, read from /proc (Linux). Claude Code's Bash tool may start commands in process groups of
 * their own, so killing the child's group alone can leave them running.
 */
export function descendants(pid: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the command name, which is in parentheses and may itself contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const stack = [pid];
  while (stack.length) {
    for (const child of children.get(stack.pop()!) ?? []) {
      found.push(child);
      stack.push(child);
    }
  }
  return found;
}

/** A process's parent, from /proc (field 4 of its stat follows the command name, in parentheses). */
export function parentOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Whether a process still runs. A zombie (ended, not yet reaped — common when PID 1 does not reap) counts as ended. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): trust the signal check
  }
}

function signalAll(pids: number[], groupLeader: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-groupLeader, signal);
  } catch {
    // group already gone
  }
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Stops a child and everything it started: SIGTERM to its group and every descendant, then SIGKILL to whatever is
 * left after `graceMs`. Resolves when nothing of the tree is alive (or after the SIGKILL round).
 */
export async function killTree(pid: number, graceMs: number): Promise<void> {
  const tree = [pid, ...descendants(pid)];
  signalAll(tree, pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!tree.some(isAlive)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  // Collect again: a dying shell may have forked in the meantime.
  signalAll([...tree, ...descendants(pid)], pid, 'SIGKILL');
  const hardDeadline = Date.now() + 2000;
  while (Date.now() < hardDeadline && tree.some(isAlive)) await new Promise((r) => setTimeout(r, 20));
}

/** The command line of a process, or undefined when it is gone (used to recognise our own leftover children). */
export function commandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}
