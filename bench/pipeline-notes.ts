/**
 * Where the time goes, for the pipeline sections that miss their targets: written from CPU profiles of the service
 * (`node --cpu-prof --cpu-prof-dir=DIR --import tsx bench/run.ts <section>`, summarised with bench/profile-summary.mjs)
 * and from the stage figures the sections print. Appended under each section's figures by bench/sections.ts; kept in
 * code so a fresh `npm run bench` writes them again. Shares are of the service process's busy CPU time.
 */
const PROFILED = 'Profiled on 2026-11-30 (this 2-core machine, load average 12–24 from other work while it ran)';

export const PIPELINE_NOTES: Record<string, string> = {
  fanout: `**Where the time goes.** Profiled on 2026-11-30 at load average 9–12 from other work on this 2-core machine
(\`node --cpu-prof --import tsx bench/run.ts fanout\`, which profiles the forked clients too;
\`node bench/profile-summary.mjs FILE 25 FROM TO\` reads one window). Module loading (tsx compiling the sources, 8 s at
that load) is all before the first run: none of it is in a measured window. During the runs the service process is
27–37 % busy; the socket writes (\`writeBuffer\`: one per client per round, in which loopback TCP also does the
receiving side's work) are 27–33 % of that, Kysely 7 %, the hub's own code (serialising and framing a round once,
picking each client's frames) about 5 %, garbage collection 2–4 %. The client processes are 2–13 % busy after their
start (one process parsing 100 sockets was 43–47 %). Timed around the hub's loop (not committed): a round of 100 events
to 100 clients is one write per client, about 2 ms of CPU (p50) but 7–12 ms of wall time at that load: the rest is
waiting for a core. So the 1st → 100th spread is those 100 writes stretched by the machine's load, and the p99s move by
tens of milliseconds between runs of the same code. Interleaved at load 9–12, three runs each, median added p99
(embedded / PostgreSQL + Redis): 155 / 129 ms for the previous bench and hub (one client process, \`ws\` framing each
event for each client), 78 / 68 ms with the clients spread and the previous hub, 40 / 35 ms with each round framed
once. Rounds are not held back by a timer: a round takes every event published while the previous one went out (up to
256 events or 1 MiB), so a recorder's flushed batch is already one write per client and a busier hub writes fewer,
larger rounds, where a gathering delay would add its length to every event. What it would take if a quiet run still
misses: fewer bytes per round (the kernel's copy per client is the floor), or the clients spread over several API
processes (each hub serving a share, as Redis pub/sub already allows). The quiet run above (load average 1.5) meets the target on both
backends: the 100th client 3.0 / 3.2 ms (p99) after the 1st.`,

  dispatch: `**Where the time goes.** The baseline is the worker's own spawn function with no service around it, through
a spawn helper of its own (\`src/worker/spawn-helper.mjs\`, the small process a worker forks once, so no fork of the
service stops its event loop; until 2026-11-30 the bench's baseline forked the bench process itself, which holds the
service: the 5.7 ms "bare" of the run before was that). On a quiet machine it is about 2.7 ms p50 for the no-op runner
(bash noting the time), and the service about 5 ms on SQLite (4.8 and 5.3 ms p50 in two quiet runs the same hour:
at the target's edge, met or missed by the run's luck): committed → onStart (announce, queue, claim, budget admission,
\`task.started\`) 0.8 ms, the rest prepare and the spawn. A CPU profile of this section
(\`node --cpu-prof --import tsx bench/run.ts dispatch\`, SQLite window, 2026-11-30, load 1.5) has the process busy 24 % of
the time: dispatch is mostly waiting, not computing. Of the busy time, the SQLite statements 20 % (better-sqlite3 runs
them on the event loop: the claim, the run's update, the registry check), the per-run directories about 8 % (\`mkdir\`,
\`symlink\`, \`lstat\`, \`open\`; each an asynchronous call through libuv's thread pool, so also a wait), the spawn
helper's IPC (the spawn message, the two pipes handed over one at a time, each acknowledged) a few per cent. On
PostgreSQL + Redis, BullMQ hands the job to its worker after at least one more Redis round trip and the claim is a
PostgreSQL statement: 4.2 ms to onStart. Changed since the issue: the claim reads and writes the task in one statement;
prepare runs budget admission, \`task.started\`, the registry check, the conversation read, the workspace, the Claude
state and the prompt at once; new directories with one \`mkdir\`; statements compiled once. What it would take to meet
5 ms on SQLite every time: per-run directories made ahead of the task (a few fresh, empty ones kept ready off the path), the
registry check answered from memory (invalidated over the bus), and both pipes handed over in one message; on Redis, a
worker that takes the id from the \`task.created\` publish instead of BullMQ's next pop — not done, because such a run
would sit outside BullMQ's own concurrency count and MAX_CONCURRENT_TASKS could be exceeded.`,

  ingest: `**Where the time goes.** ${PROFILED}. The baseline's own rate moves 5× with the machine's load (about 1,200/s at
load 3, under 200/s at load 18); the ratio moves much less. API role alone (\`BENCH_INGEST_ROLE=api\`, nothing runs the
tasks): the request path misses on its own, before any competition from the worker. Found and removed since the first
profile: SQLite checkpointed its write-ahead log inside whichever commit crossed 1,000 pages (now a worker thread's
connection does it every second); an ignored delivery ran BEGIN, its INSERT and COMMIT, then the copy check, the
route's settings, its rules and the loop guard's lookup one statement each: now one read
(\`src/storage/repositories/delivery-screen.ts\`) and the INSERT, 2 statements in all, a triggering one 13 (was 18;
\`test/webhook-statements.test.ts\` counts them); the delivery path's statements are compiled once
(\`src/storage/prepared.ts\`) and on PostgreSQL run as named statements, parsed once per connection (only those that
name their columns); the index of unsigned posts is partial (migration 0014), so a signed delivery writes five indexes,
not six; every GitHub webhook task shares one session row, and on PostgreSQL each task created and each run ended
waited for the one before to commit its count there (\`pg_stat_activity\` during this section: the waits were
\`Lock:transactionid\` on that row): the row is now written once and its totals counted from the tasks when read.
What is left: on SQLite the INSERT itself (a 15 KB payload under five indexes); on PostgreSQL the node process (its
connections sit idle in transaction waiting for it, ten in the pool), socket writes, garbage collection, the HMAC and
the JSON depth guard. For triggering deliveries, the 👀 reaction (Octokit, Bottleneck and undici: about a fifth of the
API process's busy time on PostgreSQL) runs after the answer, and the delivery with its task is 10 statements in one
transaction (BEGIN and COMMIT included) plus a BullMQ add and a publish. With the worker in the same process
(\`npm start\`), its runs compete for the same cores. What it would take: the reaction and every other provider call in
the worker (under \`npm start\` that is the same process, so it gains nothing there, and sending it when the run starts
would delay it for a queued task, and until approval for a waiting one); the worker in a process of its own.`,

  ceiling: `**Where the time goes.** The baseline is bare spawns of the same no-op runner through a spawn helper, as the
worker starts its children, 50 at once: about 700 a second on this quiet 2-core machine (until 2026-11-30 the bench's
baseline forked the whole bench process, which holds the service, and measured about 290). The service's own CPU time
per task is the column to read: 5.4 ms on SQLite, 9.7 ms on PostgreSQL + Redis (each a chat request over HTTP, its
task's claim, prepare, spawn, events, settle and rollups, about 30 statements), which caps one service process at about
185 / 100 tasks a second on one core before anything else — the measured 166 / 80 are close to that cap. 1,000 tasks/s
(500 on PostgreSQL + Redis) would need under 1 ms (2 ms) of the service's CPU per task in one process, or several worker
processes (the cluster mode runs as many as asked, but this machine has two cores, shared with the runners and the
database). Changed since the issue (CPU per task 8.2 / 14.1 ms → 7.1 / 12.7 ms at load 5–9 in the same run; statements
per chat task 51 in 8 transactions → 33 in 4, \`test/chat-statements.test.ts\`): the spawn helper; the claim one
conditional statement on SQLite (a short transaction on PostgreSQL), no wasted try; the chat request one transaction;
events folded once without reading them back, a PostgreSQL batch one statement; the task's session row no longer written
per task; the statements every task runs compiled once; the Claude state directory removed after the run has given up
its slot. What remains per task (profile at load about 8): on PostgreSQL the socket writes of its round trips 16 % of the
busy time, the per-run workspace and Claude state directories about 8 %, the redactor 1.6 %, garbage collection and the
HTTP request. What it would take: fewer round trips (the run's writes batched per table), per-run directories made ahead
and links not re-made for every run, or more cores and a worker process per core.`,

  overhead: `**Where the time goes** (the stage table). Before the changes below, on a quiet machine with the order
flipping every pair, the service added about 125 ms (SQLite) / 157 ms (PostgreSQL + Redis) to a one-turn chat of about
0.7–0.8 s (1.18× / 1.19×), +116 / +126 ms of it between the run's start and the CLI's init message. Measured apart on
2026-11-30 (\`bench/overhead-parts.ts\`: the real CLI bare, with the agent home's links, with \`--mcp-config\` against a
stub answering from precomputed bytes or against the service, through the spawn helper; the CLI's own startup marks,
\`CLAUDE_CODE_PROFILE_STARTUP=1\`, and its CPU time from \`/usr/bin/time\`, since wall times at load 8–19 were noise):
the environment is the same (the bare run uses the worker's \`childEnv\`), the agent home's links and the spawn helper
showed no difference above that noise, and the management tools did. A \`-p\` run waits for its MCP servers' handshake
(\`server/discover\`, then \`tools/list\`) before it processes the prompt, and the service answered \`tools/list\` with a
management server built per request (8–27 ms) after reading the grant and the task from the database (twice per
handshake): the CLI's wait before its prompt was about 198 ms against 73 ms with the stub (medians of its startup marks, n = 8, load
13–16). Now the list is worked out
once per process and a grant this process made or checked lately is believed for 10 s (revoked at once when its run ends
here): the same wait is 91 ms against 93 ms with the stub (n = 12, load 8–12). Settle folded a finished run's events twice before
\`task.completed\` (a 5-statement transaction repeated); now once. What is left is inside the CLI: a server listing the
16 management tools costs it about 100 ms more CPU than none (an empty list costs nothing measurable; neither the
schemas nor the descriptions alone explain it), which on 2 cores is most of the remaining gap. What it would take to
reach 1.05×: fewer management tools (one tool with an action argument), or the tools given only to runs that may use
them (an agent or rule that asks; today every dashboard run gets them); on Redis, the claim without BullMQ's extra round
trip (see the dispatch section).`,

  storage: `**Reading the figures.** PostgreSQL stores a large text value compressed (TOAST, pglz), and the scripted model's
long reply repeats itself, so its 1 MB takes far less there; SQLite stores text as it is. A one-line chat's transcript
is kept brotli-compressed so its conversation can resume on any worker; a task without a conversation keeps none.`,

  memory: `**Reading the figures.** The JavaScript heap after full collections is what the service keeps: flat from 1,000 to
10,000 tasks. Growth is read from a line fitted through 19 samples (every 500 tasks after the first 1,000), not from two
samples: the resident size moves between samples with memory outside the heap that the process keeps and reuses (the
allocator's arenas, thread-pool work, SQLite's page cache) — on 2026-11-30, before the spawn helper, it swung 237–286 MB
between samples of one run (fitted growth −3.9 %, two-sample −6.8 %; the run before that, two samples only, had said
+14.5 %); in the run above, with children started by the spawn helper so the service itself no longer forks, it stayed
within 429–435 MB. When \`npm run bench\` runs every section in one process, this section starts after the others, so its
baseline includes what they left (about 430 MB here; 219 MB when run alone). The large reply: the service reads a long
stdout line as a stream and keeps the head of a long text (STDOUT_LIMITS: 4 MB a line parsed whole, 4 M characters a
string kept), so a 50 MB reply raises the peak about as much as a 5 MB one (both the assistant message and the result,
each one line); the issue measured 377–454 MB of peak for a 20 MB reply before that.`,
};
