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
processes (each hub serving a share, as Redis pub/sub already allows).`,

  dispatch: `**Where the time goes.** ${PROFILED}. The spawn itself (the baseline) is libuv forking the whole service process
(about 250 MB resident) and then exec'ing: 2.5 ms p50 on a quiet machine, over 20 ms under load. Before the prepare step
(announce, queue, claim, budget admission, \`task.started\`) SQLite spends about 2 ms; PostgreSQL + Redis about 40 ms under
load (BullMQ hands the job to its worker after at least one more Redis round trip, then the claim is a PostgreSQL
transaction). The rest is the prepare step, a chain of awaits each on the thread pool or the database: registry version
check, workspace and Claude state directories (rm, mkdir, copyFile), the prompt, \`updateRun\`, the cancel re-read. On a
quiet machine (load average 2.6, n = 20) this section measured 6.4 ms SQLite / 14 ms Redis against 2.5 / 2.9 ms bare:
still a miss. What it would take: spawn from a small helper process (a fork of a small heap costs a fraction of one of
the service), ready-made workspace and Claude state directories, fewer round trips between claim and spawn (claim,
admission and the run's first update in one statement), and on Redis a worker that takes the id from the
\`task.created\` publish instead of waiting for BullMQ's next pop.`,

  ingest: `**Where the time goes.** ${PROFILED}. The baseline's own rate moves 5× with the machine's load (about 1,200/s at
load 3, under 200/s at load 18); the ratio moves much less. API role alone (\`BENCH_INGEST_ROLE=api\`, nothing runs the
tasks): the request path misses on its own, before any competition from the worker. Found and removed since the first
profile: SQLite checkpointed its write-ahead log inside whichever commit crossed 1,000 pages (a 4 MB copy and an fsync,
about 100 ms, in one delivery of every 250; now a worker thread's connection does it every second); an ignored delivery
ran BEGIN, its INSERT (reading the whole payload back) and COMMIT: now the INSERT alone, 5 statements in all, a triggering
one 18 (\`test/webhook-statements.test.ts\` counts them); every query's tree was copied by the stored-text plugin and the
delivery path's queries built anew each time (now parameters are checked at the driver and those statements compiled
once, \`src/storage/prepared.ts\`); on PostgreSQL every GitHub webhook task waited for the one session row all of them
share (most connections in \`pg_stat_activity\` waited on its lock): its count is now the last write before COMMIT.
What is left: on SQLite the INSERT itself (a 15 KB payload under six indexes, about 230 µs here without checkpoints); on
PostgreSQL the round trips (socket writes 20 % of the busy time on ignored deliveries, 57 % of them queries, the rest
responses: each statement is one), then garbage collection (8–9 %), the HMAC and the JSON depth guard (2–3 % each). For
triggering deliveries, the 👀 reaction (Octokit, Bottleneck and undici, about 10 %) runs in the API process after the
answer, and the task's creation is 12 statements in one transaction plus a BullMQ add and a publish. With the worker in
the same process (\`npm start\`), \`ChildProcess.spawn\` took 17 % (git for every checkout, the runner for every task:
each a fork of the whole process, which stops the event loop while it lasts). What it would take: the reaction and
every other provider call in the worker; the built-in route's rules and the dedup and loop-guard reads in one statement
(or cached with invalidation over the bus); on PostgreSQL named prepared statements for the fixed ones; and the worker
in a process of its own (or children spawned by a small helper) so no fork ever stops the process answering webhooks.`,

  ceiling: `**Where the time goes.** ${PROFILED}. \`ChildProcess.spawn\` is 33 % of the busy time: measured around each call,
one spawn holds the event loop 13 ms p50 from the bench itself and 22 ms from the worker (load about 20), since libuv
forks the whole process before exec. Bare spawns from this process reach 40–150 a second here, so no design that forks
a child from the service for every task can reach 1,000 tasks/s on two cores; the ratio to that baseline is the figure
to watch. The rest: Kysely 16 % (query building and SQLite statements: claim, run updates, events, settle, rollups),
removing directories 4 % (each run's Claude state and workspace), lstat 2 %, the redactor 1 %. What it would take: a
spawn helper process with a small heap (or a pool of pre-started runners), compiled statements and fewer of them per
task, and the per-run directories recycled rather than created and removed.`,

  overhead: `**Where the time goes** (the stage table). The service's CLI takes longer from spawn to its init message than the
bare one: a dashboard run is given the service's MCP server (\`--mcp-config\`, connected before init) and the registry's
agent home, which the bare CLI is not. From the result to \`task.completed\` the service waits for the CLI to exit, then
settles the run: the session transcript is read and compressed and stored, the conversation's message, the rollups, and
then the event is published. The transcript was compressed at brotli quality 11, 3.2 s of CPU for 270 KB of JSON on
this loaded machine (0.17 s at quality 7, 3–12 % larger): it is now quality 7 (src/storage/transcripts.ts). Measured
with this section, result → \`task.completed\` went from 1.8 s / 1.4 s (SQLite / PostgreSQL, quality 11, 25 pairs at
load average 24) to 0.14 s / 0.14 s (quality 7, 10 pairs at load average 16). What is left to take: the CLI's start
with the MCP server and agent home (an MCP handshake of one round trip is issue 13 item 5), and the settle's writes in
one transaction. On this shared machine the bare CLI's own time moves 2–5× between pairs, so the ratio needs the
median of many pairs and a quiet machine; the stage figures are steadier. In the 25-pair run at load average 18–24 the
service even came out ahead (the bare CLI, timed first in each pair, was slower to start), which says the noise is
larger than the difference; an early 3-pair run at load average 3 gave 1.56× / 2.41× (before the transcript fix).`,

  storage: `**Reading the figures.** PostgreSQL stores a large text value compressed (TOAST, pglz), and the scripted model's
long reply repeats itself, so its 1 MB takes far less there; SQLite stores text as it is. A one-line chat's transcript
is kept brotli-compressed so its conversation can resume on any worker; a task without a conversation keeps none.`,

  memory: `**Reading the figures.** The JavaScript heap after full collections is what the service keeps: it stays flat from
1,000 to 10,000 tasks (62 MB both times in the run of 2026-11-30), so nothing the service holds grows with the tasks
it ran. The resident size moves up and down between samples (213–278 MB in that run, not rising with the count): memory
outside the heap (the allocator's arenas after thousands of forks, thread-pool work and SQLite's page cache) that the
process keeps and reuses rather than returns. A growth figure between two such samples can land either side of 10 %;
the row of samples says whether it climbs. What it would take to hold RSS itself flat: fewer allocator arenas
(\`MALLOC_ARENA_MAX=2\`) or another allocator, checked over the same 10,000 tasks — not tried here.`,
};
