/** The analytics bench's part of BENCHMARKS.md: what was seeded, how it was timed, the figures per database. */
import type { Case } from './analytics-cases.js';
import type { Seeded } from './analytics-seed.js';
import { fmt, quantile } from './report.js';

export interface CaseResult {
  c: Case;
  small: number[];
  large: number[];
  bytes: number;
  profile?: Array<{ frame: string; share: number }>;
}

export interface BackendResult {
  backend: 'sqlite' | 'postgres';
  small: Seeded;
  large: Seeded;
  cases: CaseResult[];
  samples: number;
  csv: { ms: number; rows: number; bytes: number; peak: number; idle: number; maxPeak: number; runs: number };
}

const MB = 2 ** 20;
const n0 = (x: number) => x.toLocaleString('en');

export const METHOD = [
  '- **Seeded database**: tasks spread evenly over the last 365 days; 301 requesters (GitHub, Slack, Jira, dashboard and Sentry, skewed:',
  '  the busiest asks about 15 % of all tasks), ~20 rules, 9 agents, 4 models; outcomes 80 % success / 3 % empty / 8 % error / 3 % cancelled /',
  '  1 % timeout / 3 % budget / 2 % interrupted; durations log-normal around 60 s; 40 % of tasks in a conversation (one per 10 tasks);',
  '  100 tasks still live. Every successful task has its output (log-normal around 600 characters, at most 4,000). The **newest 2 %** of',
  '  tasks (20,000 of 1M) are as a run leaves them: their stored events (init, thinking, 0–7 tool calls with results of 0.3–1.8 KB,',
  '  emptied deltas, the final text and result by reference to the output: 7–23 rows a run), the conversation messages of those tasks',
  '  (user turn, assistant turn by reference), and one brotli-compressed Claude transcript per conversation they touch (~18 KB each).',
  '  Older tasks are as retention leaves them (events and transcripts pruned, the task row with its output and the rollups kept).',
  '  The same rows go to both databases (a seeded generator). The rollups are rebuilt from the tasks afterwards (`rebuildRollups`).',
  '- **Baseline**: the same 10,000-task database seeded the same way (2 % full), served by a second service process in the same run, and',
  '  `GET /health` (a trivial route) on the large one. Each service is the API role (routes and storage, no worker) in a process of its',
  '  own, listening on a port; the client is the bench process, one request at a time over a keep-alive connection.',
  '- **Interleaved**: 5 warm-up rounds, then rounds of every call in the list, each call once on the baseline and once on the large',
  '  database (the order flipping every round). n below is the number of timed calls per cell; p95 and p99 are nearest-rank (p99 of',
  '  200 is the third-largest sample: indicative only).',
  '- **Targets**: analytics < 100 ms, ledger pages < 20 ms, median over real HTTP (to the last byte).',
].join('\n');

/** Why the figures stay flat as the tasks grow (the design the bench checks). */
export const NOTES = [
  '#### How the figures stay flat',
  '',
  '- **Analytics read rollups, not tasks.** `task_rollups` holds finished tasks summed per (granularity hour | day | month | total,',
  '  dimension all | agent | model | source | requester | rule | outcome, key, bucket): cost, tokens, counts, duration sum/max and a',
  '  24-bin duration histogram, added in the transaction of the task\'s final status change. A series is one primary-key range (at most',
  '  744 hourly or 400 daily rows); grouped charts give the most expensive keys a series each and compute `(other)` as the `all` row less',
  '  those keys. An answer holds at most 4,400 points, so the slowest charts cost what reading and serialising those points costs',
  '  (close to 1 MB of JSON), not what the number of tasks costs: hence ratios to 10k near 1×.',
  '- **The ledger is keyset-paged** on an index per sort key (each with `task_id` as the tie-break) and per filter in `created_at` order:',
  '  a deep page is an index seek, not an offset. SQLite plans without statistics, so for a common filter value under another sort',
  '  (a source, a status list, a requester with 1 % or more of the tasks by the all-time rollups) the query keeps off the filter\'s',
  '  index (`+column`) and walks the sort\'s index, skipping other rows, instead of sorting every match.',
  '- **The CSV export streams** pages of 1,000 rows from the same keyset query, so the service\'s memory does not grow with the rows.',
].join('\n');

function seedLine(s: Seeded, backend: string): string {
  const tables = s.tables.slice(0, 5).map(([t, b]) => `${t} ${(b / MB).toFixed(0)} MB`).join(', ');
  return (
    `${n0(s.tasks)} tasks seeded in ${(s.seedMs / 1000).toFixed(1)} s (${backend === 'sqlite' ? 'prepared statements, one transaction per 5,000 rows' : 'INSERT … SELECT FROM unnest(…), 5,000 rows a statement'}), ` +
    `rollups rebuilt in ${(s.rollupMs / 1000).toFixed(1)} s (${n0(s.rollupRows)} rows); ${n0(s.full)} full tasks with ${n0(s.events)} event rows, ` +
    `${n0(s.messages)} messages, ${n0(s.transcripts)} transcripts; ${n0(s.conversations)} conversations; outputs ${(s.outputBytes / MB).toFixed(0)} MB. ` +
    `Database ${(s.bytes / MB).toFixed(0)} MB (${tables}), ${((s.bytes / s.tasks) / 1024).toFixed(2)} KB a task.`
  );
}

export function renderBackend(r: BackendResult): string {
  const name = r.backend === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const health = r.cases.find((c) => c.c.group === 'reference')!;
  const healthMedian = quantile(health.large, 0.5);
  const rows = r.cases.map(({ c, small, large, bytes }) => {
    const median = quantile(large, 0.5);
    const smallMedian = quantile(small, 0.5);
    const ok = c.target === null ? '' : median < c.target ? `✅ < ${c.target}` : `❌ ≥ ${c.target}`;
    return `| ${c.group} | ${c.name} | ${fmt(median)} | ${fmt(quantile(large, 0.95))} | ${fmt(quantile(large, 0.99))} | ${large.length} | ${ok} | ${fmt(smallMedian)} | ${(median / smallMedian).toFixed(2)}× | ${(median / healthMedian).toFixed(1)}× | ${(bytes / 1024).toFixed(1)} |`;
  });
  const misses = r.cases.filter((c) => c.profile);
  const csv = r.csv;
  return [
    `### ${name}`,
    '',
    `- Large: ${seedLine(r.large, r.backend)}`,
    `- Baseline: ${seedLine(r.small, r.backend)}`,
    '',
    `| group | call | median ms | p95 ms | p99 ms | n | target | median ms at 10k | ÷ 10k | ÷ /health | response KB |`,
    '|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|',
    ...rows,
    '',
    `CSV export of the busiest requester (\`/api/ledger?format=csv&requester=${r.large.busiest.requester}\`, ${n0(r.large.busiest.tasks)} tasks): ` +
      `${n0(csv.rows)} rows, ${(csv.bytes / MB).toFixed(1)} MB in ${(csv.ms / 1000).toFixed(2)} s = ${n0(Math.round((csv.rows / csv.ms) * 1000))} rows/s ` +
      `(median of ${csv.runs} exports over HTTP). Service RSS ${(csv.idle / MB).toFixed(0)} MB before, peak ${(csv.maxPeak / MB).toFixed(0)} MB during (+${((csv.maxPeak - csv.idle) / MB).toFixed(0)} MB; sampled every 10 ms).`,
    ...(misses.length === 0
      ? ['', `Every target met on ${name}.`]
      : [
          '',
          `Missed on ${name}, with the service's CPU profile while it answered that call for 3 s (self time, top frames):`,
          ...misses.map((m) => `- **${m.c.name}**: ${m.profile!.map((p) => `${(p.share * 100).toFixed(0)} % ${p.frame}`).join('; ')}`),
        ]),
    '',
  ].join('\n');
}
