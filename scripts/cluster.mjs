#!/usr/bin/env node
// `npm run cluster -- [--api N] [--workers M] [--port P] [--metrics-port Q] [--main FILE]`: N API processes (ports P, P+1, …) and M
// worker processes (each serving /metrics on Q, Q+1, … when --metrics-port is given) on this machine, against the
// PostgreSQL and Redis named by DATABASE_URL and REDIS_URL, with every other setting taken from the environment. For
// trying the distributed setup and for the tests (test/cluster.test.ts). Each process's output is prefixed with its
// name; once all are ready one line `cluster ready {json}` gives their pids and addresses. SIGINT/SIGTERM stops them
// all with SIGTERM (workers drain: running tasks finish within SHUTDOWN_GRACE_SECONDS, the rest is handed back).
// --main FILE starts a compiled main.js (dist/src/main.js after `npm run build:server`) instead of src/main.ts through tsx.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: {
    api: { type: 'string', default: '2' },
    workers: { type: 'string', default: '2' },
    port: { type: 'string', default: process.env.PORT || '8080' },
    'metrics-port': { type: 'string' },
    main: { type: 'string' },
  },
});
const count = (name, v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 64) fail(`--${name} must be a whole number from 0 to 64, not "${v}"`);
  return n;
};
function fail(message) {
  console.error(`cluster: ${message}`);
  process.exit(2);
}
const apis = count('api', values.api);
const workers = count('workers', values.workers);
const port = Number(values.port);
const metricsPort = values['metrics-port'] === undefined ? undefined : Number(values['metrics-port']);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be a port number, not "${values.port}"`);
if (!process.env.DATABASE_URL || !process.env.REDIS_URL) {
  fail('set DATABASE_URL (postgres://…) and REDIS_URL (redis://…): the processes share the database and the queue');
}

const argv = values.main
  ? (command) => ['--enable-source-maps', path.resolve(values.main), command]
  : (command) => ['--import', 'tsx', path.join(root, 'src', 'main.ts'), command];
const options = (env = {}) => ({ cwd: root, env: { ...process.env, ...env } });

// Migrations once, before anyone starts, instead of N processes racing for the migration lock.
const migrated = spawnSync(process.execPath, argv('migrate'), { ...options(), stdio: 'inherit' });
if (migrated.status !== 0) fail('migrate failed');

const children = [];
function start(name, role, env, ready) {
  const child = spawn(process.execPath, argv(role), { ...options(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const entry = { name, role, pid: child.pid, ...env, child, ready: false };
  children.push(entry);
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      console.log(`[${name}] ${line}`);
      if (!entry.ready && ready.test(line)) entry.ready = true;
    });
  }
  child.once('exit', (code, signal) => {
    entry.exited = true;
    console.log(`[${name}] exited (${signal ?? code})`);
    if (!stopping && children.every((c) => c.exited)) process.exit(1);
  });
  return entry;
}

for (let i = 0; i < apis; i++) start(`api${i + 1}`, 'api', { PORT: String(port + i) }, /Claude Code Agent api ready/);
for (let i = 0; i < workers; i++) {
  start(`worker${i + 1}`, 'worker', metricsPort === undefined ? {} : { WORKER_METRICS_PORT: String(metricsPort + i) }, /Claude Code Agent worker ready/);
}

let stopping = false;
async function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`cluster: ${signal}: stopping ${children.length} processes`);
  for (const c of children) if (!c.exited) c.child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exited ? undefined : new Promise((r) => c.child.once('exit', r)))));
  process.exit(0);
}
process.on('SIGINT', () => void stopAll('SIGINT'));
process.on('SIGTERM', () => void stopAll('SIGTERM'));

const timer = setInterval(() => {
  if (!children.every((c) => c.ready)) return;
  clearInterval(timer);
  const describe = (c) => ({ name: c.name, pid: c.pid, ...(c.PORT ? { url: `http://127.0.0.1:${c.PORT}` } : {}), ...(c.WORKER_METRICS_PORT ? { metrics_port: Number(c.WORKER_METRICS_PORT) } : {}) });
  console.log(`cluster ready ${JSON.stringify({ api: children.filter((c) => c.role === 'api').map(describe), workers: children.filter((c) => c.role === 'worker').map(describe) })}`);
}, 200);
