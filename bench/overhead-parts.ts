/**
 * Diagnostic for issue 13 (not a bench section): where a dashboard run's CLI start differs from the bare CLI's,
 * measured apart. `npx tsx bench/overhead-parts.ts [rounds]`. Every variant spawns the real CLI against the scripted
 * model with a fresh config dir and workspace, round robin (the order rotating every round); p50 of spawn → init and
 * spawn → exit. Variants: bare, + the agent home's links, + --mcp-config against a stub answering from precomputed
 * bytes, + --mcp-config against the service's /mcp (a live grant), both, through the spawn helper.
 * Switches: PARTS_ONLY=0,2 (variant indexes), PARTS_TIME=1 (the CLI's CPU time, through /usr/bin/time: the figure to
 * read on a loaded machine), PARTS_ENV='{"CLAUDE_CODE_PROFILE_STARTUP":"1"}' (more environment for every variant),
 * PARTS_DEBUG=DIR (copies each run's startup-perf and debug files there; PARTS_DEBUGFLAG=1 adds --debug),
 * PARTS_STUB=empty|noschema|nodesc (what the stub lists instead of the service's tools).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { projectRoot } from '../src/paths.js';
import { claudeArgs, type ClaudeRunSpec } from '../src/worker/claude-run.js';
import { childEnv } from '../src/worker/child-env.js';
import { directSpawner, HelperSpawner, type Spawner } from '../src/worker/spawner.js';
import { startScriptedModel } from '../test/support/scripted-model.js';
import { fmt, quantile } from './report.js';
import { loadAverage, startBenchService, wallMs } from './service.js';

const ROUNDS = Number(process.argv[2] ?? 15);
const MODEL = 'claude-sonnet-4-5';
const CLAUDE = path.join(projectRoot, 'node_modules', '.bin', 'claude');
const EXTRA_ENV = JSON.parse(process.env.PARTS_ENV ?? '{}') as Record<string, string>;

interface Variant {
  name: string;
  links?: boolean;
  mcp?: 'stub' | 'service';
  helper?: boolean;
}
const VARIANTS: Variant[] = ([
  { name: 'bare' },
  { name: 'bare + agent-home links', links: true },
  { name: 'bare + MCP stub (precomputed)', mcp: 'stub' },
  { name: 'bare + MCP service', mcp: 'service' },
  { name: 'bare + links + MCP service', links: true, mcp: 'service' },
  { name: 'helper + links + MCP service', links: true, mcp: 'service', helper: true },
  { name: 'helper bare', helper: true },
] as Variant[]).filter((_, k) => !process.env.PARTS_ONLY || process.env.PARTS_ONLY.split(',').includes(String(k)));

/** A management endpoint answering from precomputed bytes, noting when each request came. */
function startStub(toolsList: unknown): Promise<{ url: string; hits: Array<{ at: number; method: string }>; close(): void }> {
  const hits: Array<{ at: number; method: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const msg = body ? (JSON.parse(body) as { id?: unknown; method?: string }) : {};
      hits.push({ at: wallMs(), method: `${req.method} ${msg.method ?? ''}` });
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const result =
        msg.method === 'server/discover'
          ? { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: { listChanged: false } }, _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'stub', version: '1' } } }
          : msg.method === 'tools/list'
            ? toolsList
            : {};
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: msg.id ?? null, result }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`, hits, close: () => server.close() })),
  );
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-parts-'));
  const model = await startScriptedModel();
  const svc = await startBenchService({ distributed: false, env: { ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'test', DEFAULT_MODEL: MODEL } });
  const config = loadConfig({ ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'test', DATA_DIR: dir });
  // A task kept running (a slow reply) so grants for it are honoured by the real /mcp route.
  const res = await fetch(`${svc.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: '[[script:slow 600000]] hold' }) });
  const { task_id } = (await res.json()) as { task_id: string };
  while ((await svc.services.repos.tasks.get(task_id))?.status !== 'running') await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 1500));
  const grant = async () => {
    const token = randomBytes(32).toString('base64url');
    await svc.services.repos.registryUsage.grant(token, task_id, 600_000);
    return token;
  };
  const t = await grant();
  const call = (method: string) =>
    fetch(`${svc.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method }),
    }).then((r) => r.json() as Promise<{ result: unknown }>);
  const tools = (await call('tools/list')).result;
  const listed = (tools as { tools: Array<Record<string, unknown>> }).tools;
  const mode = process.env.PARTS_STUB ?? 'full';
  const stubTools =
    mode === 'empty' ? [] : mode === 'noschema' ? listed.map((t) => ({ ...t, inputSchema: { type: 'object' } })) : mode === 'nodesc' ? listed.map((t) => ({ ...t, description: t.name })) : listed;
  const stub = await startStub({ tools: stubTools });
  const agentClaude = path.join(svc.services.config.agentHome, '.claude');
  const helper = new HelperSpawner(createLogger(config, fs.createWriteStream('/dev/null')));
  const times = new Map<string, Array<{ cpu: number; init: number; end: number; firstMcp?: number; lastMcp?: number }>>();

  const runOnce = async (v: Variant, i: number) => {
    const run = path.join(dir, `${i}-${v.name.replace(/\W+/g, '_')}`);
    const configDir = path.join(run, 'home', '.claude');
    const work = path.join(run, 'work');
    fs.mkdirSync(configDir, { recursive: true });
    fs.mkdirSync(path.join(work, '.claude'), { recursive: true });
    if (v.links) for (const part of ['agents', 'skills']) fs.symlinkSync(path.join(agentClaude, part), path.join(work, '.claude', part), 'dir');
    const env = { ...childEnv(config, { configDir }), ...EXTRA_ENV };
    const spec: ClaudeRunSpec = { claudePath: CLAUDE, cwd: work, prompt: '', env, model: MODEL, permissionMode: 'acceptEdits', maxTurns: 50 };
    if (v.mcp) {
      const url = v.mcp === 'stub' ? stub.url : `${svc.url}/mcp`;
      spec.mcpConfig = JSON.stringify({ mcpServers: { service: { type: 'http', url, headers: { Authorization: 'Bearer ${CLAUDE_CODE_AGENT_MCP_TOKEN}' } } } });
      spec.allowedTools = ['mcp__service'];
      env.CLAUDE_CODE_AGENT_MCP_TOKEN = v.mcp === 'stub' ? 'x' : await grant();
    }
    const spawner: Spawner = v.helper ? helper : directSpawner;
    const hitsBefore = stub.hits.length;
    const t0 = wallMs();
    const args = [...claudeArgs(spec), ...(process.env.PARTS_DEBUGFLAG ? ['--debug'] : [])];
    const timeFile = path.join(run, 'time.txt');
    const [command, argv] = process.env.PARTS_TIME ? ['/usr/bin/time', ['-f', '%e %U %S', '-o', timeFile, CLAUDE, ...args]] : [CLAUDE, args];
    const child = await spawner.launch({ command, args: argv as string[], cwd: work, env, prompt: `[[script:text The answer to ${i}.]] what is ${i}?` });
    let out = '';
    let init = NaN;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (Number.isNaN(init) && out.includes('"subtype":"init"')) init = wallMs() - t0;
    });
    child.stderr.resume();
    const exit = await child.exit;
    const end = wallMs() - t0;
    if (!out.includes('"type":"result"')) throw new Error(`${v.name}: no result (${JSON.stringify(exit)}): ${out.slice(-300)}`);
    if (process.env.PARTS_DEBUG) {
      fs.mkdirSync(process.env.PARTS_DEBUG, { recursive: true });
      for (const sub of ['debug', 'startup-perf'])
        for (const f of (fs.existsSync(path.join(configDir, sub)) ? fs.readdirSync(path.join(configDir, sub)) : []).filter((f) => f.endsWith('.txt')))
          fs.copyFileSync(path.join(configDir, sub, f), path.join(process.env.PARTS_DEBUG, `${sub}.${v.name.replace(/\W+/g, '_')}.${i}.${Math.round(t0)}.${Math.round(init)}.txt`));
    }
    const hits = stub.hits.slice(hitsBefore);
    const cpu = process.env.PARTS_TIME ? fs.readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(1).reduce((a, x) => a + Number(x) * 1000, 0) : NaN;
    const row = { cpu, init, end, firstMcp: hits[0] ? hits[0].at - t0 : undefined, lastMcp: hits.at(-1) ? hits.at(-1)!.at - t0 : undefined };
    if (i >= 2) (times.get(v.name) ?? times.set(v.name, []).get(v.name)!).push(row);
    if (i === 2 && v.mcp === 'stub') console.log('stub hits', hits.map((h) => `${(h.at - t0).toFixed(0)}ms ${h.method}`).join(', '));
  };

  console.log(`load at start ${loadAverage()}`);
  for (let i = 0; i < ROUNDS + 2; i++) {
    const order = VARIANTS.map((_, k) => VARIANTS[(k + i) % VARIANTS.length]!);
    for (const v of order) await runOnce(v, i);
  }
  const p50 = (xs: number[]) => fmt(quantile(xs, 0.5));
  console.log('| variant | CLI CPU ms p50 | spawn → init p50 | spawn → exit p50 | first / last MCP request p50 | n |');
  for (const v of VARIANTS) {
    const xs = times.get(v.name)!;
    const mcp = xs.filter((x) => x.firstMcp !== undefined);
    console.log(
      `| ${v.name} | ${p50(xs.map((x) => x.cpu))} | ${p50(xs.map((x) => x.init))} | ${p50(xs.map((x) => x.end))} | ${mcp.length ? `${p50(mcp.map((x) => x.firstMcp!))} / ${p50(mcp.map((x) => x.lastMcp!))}` : ''} | ${xs.length} |`,
    );
  }
  console.log(`load at end ${loadAverage()}`);
  helper.close();
  stub.close();
  await fetch(`${svc.url}/api/tasks/${task_id}/cancel`, { method: 'POST' });
  await svc.close();
  await model.close();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

await main();
