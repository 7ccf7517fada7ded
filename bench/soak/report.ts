/** RELIABILITY.md: what the soak sent, what it broke on purpose, and what it found. */
import os from 'node:os';
import type { Verdict } from './checks.js';
import type { FaultCounts, Sent } from './driver.js';
import type { Lifetime } from './service.js';

export interface SoakSettings {
  tasks: number;
  seed: number;
  distributed: boolean;
  concurrency: number;
  window: number;
  restartEvery: number;
  webhookShare: number;
}

export interface SoakRun {
  command: string;
  settings: SoakSettings;
  startedAt: Date;
  durationMs: number;
  sent: Sent[];
  unanswered: number;
  faults: FaultCounts;
  lifetimes: Lifetime[];
  verdict: Verdict;
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;

function findings(title: string, list: Verdict['lost']): string {
  if (list.length === 0) return `**${title}: 0**\n`;
  const rows = list.slice(0, 30).map((f) => `- \`${f.nonce}\`${f.taskId ? ` \`${f.taskId}\`` : ''}: ${f.what}`);
  return `**${title}: ${list.length}**\n\n${rows.join('\n')}${list.length > 30 ? `\n- … ${list.length - 30} more` : ''}\n`;
}

export function renderReport(r: SoakRun): string {
  const { settings: s, verdict: v } = r;
  const accepted = r.sent.filter((x) => x.status !== undefined && x.status < 300).length;
  const perMinute = (v.tasks / r.durationMs) * 60_000;
  const first = r.lifetimes[0];
  const last = r.lifetimes.at(-1);
  const longest = [...r.lifetimes].sort((a, b) => (b.endedAt ?? 0) - b.startedAt - ((a.endedAt ?? 0) - a.startedAt))[0];
  const byChannel = (c: string) => r.sent.filter((x) => x.plan.channel === c).length;
  const faultRows = Object.entries(r.faults)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `| ${k} | ${n} |`);
  const ok = v.lost.length + v.duplicated.length + v.stuck.length === 0;
  return `# Reliability

\`npm run soak\` (bench/soak.ts) sends tasks through the real HTTP API of the service running as a child process,
with the real Claude Code CLI against the scripted model, injects faults at random (seeded), and then checks every
task. Figures below are from the run stated; they are not extrapolated.

**Result: ${ok ? 'nothing lost, duplicated or stuck' : 'FAILED — see the findings below'}.**

| | |
|---|---|
| date | ${r.startedAt.toISOString()} |
| machine | ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${mb(os.totalmem() / 1024)} RAM, ${os.type()} ${os.release()}, Node ${process.version} (shared with other work while it ran) |
| command | \`${r.command}\` |
| storage and queue | ${s.distributed ? 'PostgreSQL + Redis (BullMQ)' : 'SQLite + embedded queue'} |
| settings | seed ${s.seed}, MAX_CONCURRENT_TASKS ${s.concurrency}, at most ${s.window} tasks open, a restart every ${s.restartEvery} accepted tasks, ${Math.round(s.webhookShare * 100)} % webhooks |
| duration | ${minutes(r.durationMs)} (${perMinute.toFixed(1)} tasks a minute, faults and restarts included) |
| 10,000 tasks at this rate | ${minutes((10_000 / perMinute) * 60_000)} |

## Requests and tasks

| | |
|---|---|
| requests sent | ${r.sent.length} of ${s.tasks} planned${r.sent.length < s.tasks ? ' (the time budget, --max-minutes, ran out)' : ''} (chat ${byChannel('chat')}, signed generic webhooks ${byChannel('webhook')}) |
| answered 2xx | ${accepted} |
| chat requests cut off by a restart (no answer) | ${r.unanswered} (of which made their task anyway: ${v.unansweredWithTask}) |
| tasks in the database | ${v.tasks} |
| final status | ${Object.entries(v.byStatus).map(([k, n]) => `${k} ${n}`).join(', ')} |
| tasks run a second time after a restart | ${v.rerun} |
| model requests (agent loop) | ${v.modelRequests} |

## Faults injected

| kind | count |
|---|---|
${faultRows.join('\n')}

Kinds: \`slow\` streams spread over 1–4 s; \`api_error\` the API answers 500 or 529 to the first 1–2 requests;
\`api_drop\` the API cuts the first stream mid-way; \`cancel_queued\` POST /api/tasks/{id}/cancel up to 1 s after acceptance,
\`cancel_running\` 0.1–4 s after the run started (\`cancel_too_late\`: the task had finished); \`child_crash\` the Claude Code process of a running task SIGKILLed
(\`child_crash_missed\`: it had finished); \`service_restart_*\` the service process ended with that signal and started
again on the same data; \`webhook_redelivery\` a delivery sent again with the same delivery id after no answer or a 5xx.

## Findings

${findings('Lost', v.lost)}
${findings('Duplicated', v.duplicated)}
${findings('Stuck', v.stuck)}
${findings('Ended in a status or output its fault does not explain (not counted as lost)', v.unexpected)}
${findings('Finished with no reply in their conversation (cancelled while queued, or ended by start-up recovery; not counted as lost)', v.noReply)}
## Memory (service RSS from /proc, per process lifetime)

| | |
|---|---|
| before (first process, just started) | ${first ? mb(first.rssStartKb) : '—'} |
| after (last process, after the drain) | ${last ? mb(last.rssEndKb) : '—'} |
| longest lifetime | ${longest ? `${minutes((longest.endedAt ?? Date.now()) - longest.startedAt)}: ${mb(longest.rssStartKb)} → ${mb(longest.rssEndKb)}, peak ${mb(longest.rssPeakKb)}` : '—'} |

| process | lived | ended by | RSS start | RSS end | peak |
|---|---|---|---|---|---|
${r.lifetimes.map((l, i) => `| ${i + 1} | ${minutes((l.endedAt ?? Date.now()) - l.startedAt)} | ${l.endedBy ?? '—'} | ${mb(l.rssStartKb)} | ${mb(l.rssEndKb)} | ${mb(l.rssPeakKb)} |`).join('\n')}
`;
}
