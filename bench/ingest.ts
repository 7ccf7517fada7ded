/**
 * Ingest: signed GitHub deliveries through the real service (`POST /webhooks/github`: signature, delivery record,
 * rules, and for a triggering one the permission lookup, the task and its queue entry) against a bare Fastify route
 * answering 202 in the same process, over real HTTP from a load generator in a process of its own (bench/http-load.mjs),
 * 50 keep-alive connections, rounds of baseline, ignored and triggering deliveries interleaved, on both backends.
 * Triggering deliveries are `@agent analyze` comments, each on an issue of its own (no storm merging); the worker in
 * the same process runs them meanwhile (checkout from a local origin, the no-op runner, the post-back to a fake
 * GitHub answering at once), as `npm start` would.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { projectRoot } from '../src/paths.js';
import { startFakeGithub } from '../test/support/fake-providers.js';
import { makeOrigin } from '../test/support/git-origin.js';
import { signGithub } from '../test/support/signing.js';
import { fmt, quantile } from './report.js';
import { BACKENDS, forkLoad, type Load, load, type LoadRequest, loadAverage, noopRunner, startBenchService } from './service.js';

const CONNECTIONS = 50;
const ROUNDS = Number(process.env.BENCH_INGEST_ROUNDS ?? 4);
const PER_ROUND = Number(process.env.BENCH_INGEST_REQUESTS ?? 300);
const SECRET = 'bench-secret-0123456789';
/** `all` (default): API and worker in one process, as `npm start`; `api`: the API role alone, nothing runs the tasks. */
const ROLE = process.env.BENCH_INGEST_ROLE === 'api' ? 'api' : 'all';
const SUBJECTS = ['bare', 'ignored', 'triggering'] as const;
type Subject = (typeof SUBJECTS)[number];

let issue = 1000;

function deliveries(count: number, kind: Exclude<Subject, 'bare'>): LoadRequest[] {
  const payload = JSON.parse(fs.readFileSync(path.join(projectRoot, 'test/fixtures/github/issue_comment.created.json'), 'utf8'));
  return Array.from({ length: count }, () => {
    issue++;
    payload.issue.number = issue;
    payload.comment.id = 50_000_000 + issue;
    payload.comment.body = kind === 'ignored' ? 'Thanks, looks good to me.' : `@agent analyze why issue ${issue} happens`;
    const body = JSON.stringify(payload);
    const headers = { 'content-type': 'application/json', 'x-github-event': 'issue_comment', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signGithub(SECRET, body) };
    return { headers, body };
  });
}

interface Summary {
  rate: number;
  p50: number;
  p99: number;
  n: number;
  statuses: Record<string, number>;
}

function summarise(loads: Load[]): Summary {
  const latencies = loads.flatMap((l) => l.latencies);
  const statuses: Record<string, number> = {};
  for (const l of loads) for (const [k, v] of Object.entries(l.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const seconds = loads.reduce((s, l) => s + l.seconds, 0);
  return { rate: latencies.length / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), n: latencies.length, statuses };
}

async function measure(distributed: boolean): Promise<Record<Subject, Summary>> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-bench-ingest-'));
  makeOrigin(root);
  const runner = noopRunner(root);
  const github = await startFakeGithub({ permissions: { Codertocat: 'admin' } });
  const svc = await startBenchService({
    distributed,
    role: ROLE,
    env: {
      GITHUB_WEBHOOK_SECRET: SECRET,
      GITHUB_TOKEN: 'ghp_bench_token_0123456789',
      GITHUB_API_URL: github.url,
      GITHUB_CLONE_URL: path.join(root, 'origin'),
      CLAUDE_CODE_PATH: runner.path,
    },
  });
  const bare = Fastify();
  bare.post('/webhooks/github', async (_req, reply) => reply.code(202).send({ ok: true }));
  const urls: Record<Subject, string> = {
    bare: `${await bare.listen({ host: '127.0.0.1', port: 0 })}/webhooks/github`,
    ignored: `${svc.url}/webhooks/github`,
    triggering: `${svc.url}/webhooks/github`,
  };
  const child = forkLoad();
  const requests = (subject: Subject, n: number) => (subject === 'bare' ? deliveries(n, 'ignored') : deliveries(n, subject));
  const results: Record<Subject, Load[]> = { bare: [], ignored: [], triggering: [] };
  try {
    for (const subject of SUBJECTS) await load(child, urls[subject], requests(subject, 100), CONNECTIONS); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const subject of SUBJECTS) results[subject].push(await load(child, urls[subject], requests(subject, PER_ROUND), CONNECTIONS));
    }
  } finally {
    child.kill();
    await bare.close();
    await svc.close();
    await github.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
  return { bare: summarise(results.bare), ignored: summarise(results.ignored), triggering: summarise(results.triggering) };
}

export async function benchIngest(): Promise<string> {
  const startLoad = loadAverage();
  const rows: string[] = [];
  for (const backend of BACKENDS) {
    const r = await measure(backend.distributed);
    console.log(`ingest: ${backend.name} done`);
    const status = (x: Summary) => Object.entries(x.statuses).map(([k, v]) => `${v}× ${k}`).join(', ');
    const line = (label: string, s: Summary, judged: boolean) => {
      const ratio = s.rate / r.bare.rate;
      const verdict = judged ? `${ratio >= 0.5 && s.p99 < 20 ? '✅' : '❌'} ≥ 0.5×, p99 < 20 ms` : '';
      return `| ${backend.name} | ${label} | ${s.rate.toFixed(0)} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${s.n} | ${status(s)} | ${ratio.toFixed(2)}× | ${verdict} |`;
    };
    rows.push(
      line('bare Fastify route answering 202 (baseline)', r.bare, false),
      line('`POST /webhooks/github`, ignored (no command)', r.ignored, true),
      line('`POST /webhooks/github`, triggering (`@agent analyze`)', r.triggering, true),
    );
  }
  return [
    '## Ingest (`bench/ingest.ts`)',
    '',
    `Signed GitHub \`issue_comment\` deliveries, each with its own delivery id, comment and issue, over real HTTP, ${CONNECTIONS} keep-alive`,
    `connections from a load generator in its own process. Per backend: 100 warm-up requests to each subject, then ${ROUNDS} rounds of`,
    `${PER_ROUND} requests to the bare route, ${PER_ROUND} ignored and ${PER_ROUND} triggering deliveries, in turn (n per subject below).`,
    'Ignored: a comment with no command (delivery recorded, no task). Triggering: `@agent analyze …` (permission lookup against a',
    'fake GitHub answering at once, task stored and queued); the worker in the same process runs those tasks meanwhile',
    '(checkout from a local origin, the no-op runner as CLAUDE_CODE_PATH, the post-back), as `npm start` would. Default',
    'LOG_LEVEL, lines written to /dev/null; SANDBOX=off.',
    '',
    '| backend | subject | requests/s | p50 ms | p99 ms | n | answers | ÷ bare (rate) | target |',
    '|---|---|---:|---:|---:|---:|---|---:|---|',
    ...rows,
    '',
    `Load average at start ${startLoad}, at end ${loadAverage()}.`,
  ].join('\n');
}
