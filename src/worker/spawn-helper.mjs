// The spawn helper: a small Node process the worker forks once (src/worker/spawner.ts) to start its Claude Code
// children. libuv forks the whole process that calls spawn(): forking the service (hundreds of MB) for every run held
// its event loop for milliseconds each time, while forking this process costs a fraction of that and holds nothing
// of the service's. Plain JavaScript, so it starts without a TypeScript loader and with a small heap.
//
// For each `spawn` message: the child is started with no shell, exactly the environment given and a process group of
// its own; the prompt is written to its stdin, which is then closed; its stdout and stderr pipes themselves (not their
// bytes) are handed to the service, which reads them; its exit is reported. The helper keeps no secret beyond the
// messages in flight, logs nothing, and ends when the service does (its IPC channel closes). A child still running
// then has nobody to read its output or record its end, so it is ended first, with everything it started (a
// sandboxed one would end anyway: bwrap --die-with-parent): a service killed between a child's start and the
// recording of its pid must not leave that child running where start-up recovery cannot find it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

/** The children started and not yet exited, by pid. */
const running = new Set();

/** Sends to the service, unless it is gone (then the helper is about to end). */
function tell(message, handle) {
  if (process.connected) process.send(message, handle, () => undefined);
}

function start({ id, command, args, cwd, env, prompt }) {
  let child;
  try {
    child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  } catch (err) {
    tell({ type: 'failed', id, message: err.message });
    return;
  }
  if (child.pid === undefined) {
    // Not started (ENOENT, EACCES…): the reason comes as an 'error' event.
    child.once('error', (err) => tell({ type: 'failed', id, message: err.message }));
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
    return;
  }
  child.on('error', () => undefined); // a started child's errors are about signals, which the service sends itself
  child.stdin.on('error', () => undefined); // the child may exit before reading the prompt
  child.stdin.end(prompt);
  // Not one byte is read here: from now on the pipes are the service's (a byte read before the handover would be lost).
  for (const stream of [child.stdout, child.stderr]) stream._handle?.readStop();
  tell({ type: 'spawned', id, pid: child.pid });
  // A pipe that cannot be handed over (already closed) is said, so the service fails the run instead of waiting.
  const handOver = (type, stream) =>
    process.connected &&
    process.send({ type, id }, stream, (err) => err && tell({ type: 'failed', id, message: `could not hand over its ${type}: ${err.message}` }));
  handOver('stdout', child.stdout);
  handOver('stderr', child.stderr);
  running.add(child.pid);
  child.once('exit', (code, signal) => {
    running.delete(child.pid);
    tell({ type: 'exit', id, code, signal });
  });
}

/** Every process below `pids`, from /proc (Claude Code's tools may start process groups of their own): process-tree.ts's
 * descendants(), written again because this file runs without a TypeScript loader. */
function below(pids) {
  const children = new Map();
  for (const entry of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // ended while we looked
    }
  }
  const found = [];
  const stack = [...pids];
  while (stack.length > 0) {
    for (const pid of children.get(stack.pop()) ?? []) {
      found.push(pid);
      stack.push(pid);
    }
  }
  return found;
}

/** Ends every child still running, its process group and everything below it (collected first: an orphan moves). */
function endChildren() {
  if (running.size === 0) return;
  const tree = below(running);
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // its group is gone
    }
  }
  for (const pid of tree) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

process.on('message', (message) => {
  if (message && message.type === 'spawn') start(message);
});
/** The service is gone (or let this helper go): its children end, then the helper. */
function serviceGone() {
  endChildren();
  process.exit(0);
}
process.on('disconnect', serviceGone);
// Node postpones 'disconnect' until every handle sent is acknowledged, which a service killed with a pipe in flight
// never does: the channel's state and this process's parent are watched too (a dead parent's orphans are re-parented).
const parent = process.ppid;
setInterval(() => (!process.connected || process.ppid !== parent) && serviceGone(), 500).unref();
// A terminal's Ctrl-C or hangup reaches the whole process group: the service decides when its runs end, and this
// process ends with it.
for (const signal of ['SIGINT', 'SIGHUP', 'SIGTERM']) process.on(signal, () => undefined);
