/**
 * Ingest: signed GitHub deliveries through the real app (`POST /webhooks/github`: signature, delivery record, rules)
 * against a bare Fastify route answering 202 in the same process, over real HTTP from a load generator in a process
 * of its own (bench/http-load.mjs), 50 keep-alive connections, rounds of baseline and subject interleaved. The
 * deliveries are ignored ones (a comment that mentions no command): no task, no provider call.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { projectRoot } from '../src/paths.js';
import { Redactor } from '../src/security/redactor.js';
import { createServices } from '../src/services.js';
import { signGithub } from '../test/support/signing.js';
import { fmt, quantile } from './report.js';

const CONNECTIONS = 50;
const ROUNDS = Number(process.env.BENCH_INGEST_ROUNDS ?? 6);
const PER_ROUND = Number(process.env.BENCH_INGEST_REQUESTS ?? 500);
const SECRET = 'bench-secret';

interface Load {
  latencies: number[];
  statuses: Record<string, number>;
  seconds: number;
}

function deliveries(count: number): Array<{ headers: Record<string, string>; body: string }> {
  const payload = JSON.parse(fs.readFileSync(path.join(projectRoot, 'test/fixtures/github/issue_comment.created.json'), 'utf8'));
  payload.comment.body = 'Thanks, looks good to me.'; // no @agent: the rules ignore it
  return Array.from({ length: count }, () => {
    const body = JSON.stringify(payload);
    const headers = { 'content-type': 'application/json', 'x-github-event': 'issue_comment', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signGithub(SECRET, body) };
    return { headers, body };
  });
}

function load(child: ChildProcess, url: string, requests: ReturnType<typeof deliveries>): Promise<Load> {
  return new Promise((resolve) => {
    child.once('message', (m: Load) => resolve(m));
    child.send({ type: 'load', url, connections: CONNECTIONS, requests });
  });
}

export async function benchIngest(): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-bench-ingest-'));
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', GITHUB_WEBHOOK_SECRET: SECRET, RATE_LIMIT_WEBHOOKS_PER_MINUTE: '0' });
  const redactor = new Redactor(config.secretValues);
  // The service's own logger at its default level, written to /dev/null: its cost counts, its lines do not show.
  const services = await createServices(config, { log: createLogger(config, fs.createWriteStream('/dev/null'), redactor), redactor });
  const { app } = await buildApp(services);
  const subjectUrl = `${(await app.listen({ host: '127.0.0.1', port: 0 }))}/webhooks/github`;
  const bare = Fastify();
  bare.post('/webhooks/github', async (_req, reply) => reply.code(202).send({ ok: true }));
  const bareUrl = `${await bare.listen({ host: '127.0.0.1', port: 0 })}/webhooks/github`;
  const child = fork(path.join(path.dirname(fileURLToPath(import.meta.url)), 'http-load.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const results = { bare: [] as Load[], subject: [] as Load[] };
  try {
    await load(child, bareUrl, deliveries(100)); // warm-up, both
    await load(child, subjectUrl, deliveries(100));
    for (let round = 0; round < ROUNDS; round++) {
      results.bare.push(await load(child, bareUrl, deliveries(PER_ROUND)));
      results.subject.push(await load(child, subjectUrl, deliveries(PER_ROUND)));
    }
  } finally {
    child.kill();
    await bare.close();
    await app.close();
    await services.close(2000);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const sum = (loads: Load[]) => {
    const latencies = loads.flatMap((l) => l.latencies);
    const statuses: Record<string, number> = {};
    for (const l of loads) for (const [k, v] of Object.entries(l.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
    const seconds = loads.reduce((s, l) => s + l.seconds, 0);
    return { rate: latencies.length / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), n: latencies.length, statuses };
  };
  const b = sum(results.bare);
  const s = sum(results.subject);
  const status = (x: typeof b) => Object.entries(x.statuses).map(([k, v]) => `${v}× ${k}`).join(', ');
  return [
    '## Ingest (`bench/ingest.ts`)',
    '',
    `Signed GitHub \`issue_comment\` deliveries (each its own delivery id; a comment with no command, so ignored) over real HTTP, ${CONNECTIONS}`,
    `keep-alive connections from a load generator in its own process; ${ROUNDS} rounds of ${PER_ROUND} requests, a round to the bare route then a round`,
    'to the service, after 100 warm-up requests each. SQLite, default LOG_LEVEL (lines written to /dev/null). Triggering deliveries are not measured here.',
    '',
    '| subject | requests/s | p50 ms | p99 ms | requests | answers | ÷ bare (rate) | target |',
    '|---|---:|---:|---:|---:|---|---:|---|',
    `| bare Fastify route answering 202 (baseline) | ${b.rate.toFixed(0)} | ${fmt(b.p50)} | ${fmt(b.p99)} | ${b.n} | ${status(b)} | 1.00× | |`,
    `| \`POST /webhooks/github\`, ignored delivery | ${s.rate.toFixed(0)} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${s.n} | ${status(s)} | ${(s.rate / b.rate).toFixed(2)}× | ${s.rate / b.rate >= 0.5 && s.p99 < 20 ? '✅' : '❌'} ≥ 0.5×, p99 < 20 ms |`,
  ].join('\n');
}
