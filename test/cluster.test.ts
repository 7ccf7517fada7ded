// The distributed setup as `npm run cluster` starts it: 2 API and 3 worker processes on the real PostgreSQL and Redis
// (a fresh schema and key prefix), Claude Code against the scripted model. 60 tasks; a WebSocket on each API process
// receives every event of every task; a worker is SIGKILLed mid-run and its tasks are recovered (found dead after
// WORKER_DEAD_SECONDS, offered again at once: running again within 15 s of its last heartbeat, as the rows record it)
// and completed exactly once; another worker gets SIGTERM mid-run and drains (hands back what outlasts its grace),
// losing nothing; GLOBAL_MAX_CONCURRENT_TASKS holds, counted from the process table (Claude Code children working in
// this test's DATA_DIR); a follow-up waits for its conversation's run; GET /api/workers shows the killed and the
// drained worker as gone, the last one live with its load.
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { alive, claudeRunsIn, interestingOutput, runningByWorkerPid, startCluster } from './support/cluster.js';
import { sleep, waitFor } from './support/faults.js';
import { processSuite } from './support/process-suite.js';
import { callService as call, freePort } from './support/service-process.js';
import { hasPostgres, hasRedis } from './support/services.js';

const TASKS = 60;
const GLOBAL_LIMIT = 4;
const PER_WORKER = 4; // 3 workers × 4 slots > the global 4: the global limit is what binds, also once one is left

describe.skipIf(!hasPostgres || !hasRedis)('a cluster: 2 API and 3 worker processes (npm run cluster, PostgreSQL + Redis)', () => {
  const suite = processSuite('cluster');
  const { schema, dataDir } = suite;

  it(`${TASKS} tasks, one worker SIGKILLed and one drained mid-run: every task ends once, the global limit holds, every event reaches both API processes`, async () => {
    const env = {
      ...suite.env(),
      MAX_CONCURRENT_TASKS: String(PER_WORKER),
      GLOBAL_MAX_CONCURRENT_TASKS: String(GLOBAL_LIMIT),
      WORKER_HEARTBEAT_SECONDS: '1',
      WORKER_DEAD_SECONDS: '6', // a worker's event loop can stall for seconds on a loaded 2-core machine: not dead yet
      SHUTDOWN_GRACE_SECONDS: '1', // the drained worker's slow run outlasts it: handed back, not lost
      RECONCILE_SECONDS: '3600', // nothing here is rescued by the periodic reconciliation
      LOG_LEVEL: 'info',
    };
    const cluster = await startCluster(env, ['--api', '2', '--workers', '3', '--port', String(await freePort()), '--metrics-port', String(await freePort())]);
    const { ready, output } = cluster;
    const [api1, api2] = ready.api.map((a) => a.url) as [string, string];
    const sockets: Array<{ events: any[]; ws: WebSocket }> = [];
    let peak = 0;
    let atPeak = '';
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const runs = claudeRunsIn(dataDir);
        if (runs.size > peak) [peak, atPeak] = [runs.size, JSON.stringify([...runs])];
        await sleep(100);
      }
    })();
    try {
      for (const url of [api1, api2]) {
        const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/watcher`);
        const events: any[] = [];
        ws.on('message', (data) => events.push(JSON.parse(data.toString())));
        await new Promise((resolve) => ws.once('open', resolve));
        ws.send(JSON.stringify({ type: 'subscribe', all: true }));
        await waitFor(() => (events.some((e) => e.type === 'subscribed') ? true : undefined), 'the subscription');
        sockets.push({ ws, events });
      }

      // Slow runs first (the queue is FIFO), so workers have one going when one is killed and one drained; then
      // quick ones, spread over both API processes; then a conversation with a follow-up sent while its first run goes.
      const ids: string[] = [];
      const send = async (url: string, body: object) => {
        const sent = await call(url, 'POST', '/api/chat', body);
        expect(sent.status).toBe(202);
        ids.push(sent.body.task_id);
        return sent.body as { task_id: string; conversation_id: string };
      };
      for (let i = 0; i < 6; i++) await send(i % 2 ? api2 : api1, { message: `[[script:slow 6000 slow ${i}]] tag-${ids.length}-end` });
      const first = await send(api1, { message: `[[script:slow 3000 first answer]] tag-${ids.length}-end` });
      const followUp = await send(api2, { message: `[[script:text second answer]] tag-${ids.length}-end`, conversation_id: first.conversation_id });
      while (ids.length < TASKS) await send(ids.length % 2 ? api2 : api1, { message: `[[script:text quick ${ids.length}]] tag-${ids.length}-end` });

      // A worker whose run is under way (its Claude Code child has asked the model; the database says which worker
      // claimed it) is SIGKILLed; what it held then is what must be recovered.
      const underWay = async (except: number[]) => {
        const { byWorker, taskOf } = await runningByWorkerPid(schema);
        const asked = [...claudeRunsIn(dataDir).values()]
          .map(taskOf)
          .filter(
            (taskId): taskId is string =>
              !!taskId && byWorker.has(taskId) && suite.model.requests.some((r) => r.script && JSON.stringify(r.body?.messages ?? '').includes(`tag-${ids.indexOf(taskId)}-end`)),
          );
        const pid = asked.map((taskId) => byWorker.get(taskId)).find((p) => p && !except.includes(p));
        const worker = ready.workers.find((w) => w.pid === pid);
        return worker && { worker, held: [...byWorker].filter(([, p]) => p === worker.pid).map(([taskId]) => taskId) };
      };
      const victim = await waitFor(() => underWay([]), 'a run under way on a worker', 90_000);
      process.kill(victim.worker.pid, 'SIGKILL');
      // What it held is read after the kill: nothing it ran can have ended in between.
      const stillRunning = (await runningByWorkerPid(schema)).byWorker;
      const killed = { worker: victim.worker, held: [...stillRunning].filter(([, pid]) => pid === victim.worker.pid).map(([id]) => id) };

      // Another worker with a run under way is told to stop: it drains (nothing new, what outlasts the grace is
      // handed back) and exits.
      const drained = await waitFor(() => underWay([killed.worker.pid]), 'a run under way on another worker', 90_000);
      process.kill(drained.worker.pid, 'SIGTERM');
      await waitFor(() => (alive(drained.worker.pid) ? undefined : true), 'the drained worker to exit', 60_000);

      // Once a second (a poll per task every 100 ms would load the machine more than the runs do): none left to run.
      await waitFor(async () => {
        await sleep(900);
        const left = (await call(api2, 'GET', '/api/tasks?status=queued,running&limit=100')).body.tasks as unknown[];
        return left.length === 0 ? true : undefined;
      }, 'every task to end', 300_000);
      const final = await Promise.all(ids.map(async (id) => (await call(api2, 'GET', `/api/tasks/${id}`)).body));
      sampling = false;
      await sampler;
      const workers = (await call(api2, 'GET', '/api/workers')).body;
      const row = (pid: number) => workers.workers.find((w: any) => w.pid === pid);

      // The killed worker's tasks ran again within 15 s of its last heartbeat (the system's own records: its row's
      // last_seen_at, and the started_at of each task's second attempt as its task.started event carried it).
      const lastSeen = Date.parse(row(killed.worker.pid).last_seen_at);
      const restarts = killed.held.map((id) => {
        const again = sockets[0]!.events.find((e) => e.type === 'task.started' && e.task_id === id && e.task.attempts === 2);
        return Date.parse(again?.task.started_at) - lastSeen;
      });
      console.log(
        `cluster: killed ${killed.worker.name} held ${killed.held.length} task(s), running again ${restarts.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')} after its last heartbeat; ` +
          `drained ${drained.worker.name} held ${drained.held.length}; ${TASKS} tasks ended; at most ${peak} Claude Code runs at once (global limit ${GLOBAL_LIMIT}; process group → task then: ${atPeak})`,
      );
      expect(killed.held.length).toBeGreaterThan(0);
      for (const ms of restarts) expect(ms).toBeLessThan(15_000);

      expect(final.map((t) => t.status)).toEqual(ids.map(() => 'completed'));
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(GLOBAL_LIMIT);
      // Run again once — and once more for each time a shutdown handed it back (a recovered task the draining worker
      // had just claimed is handed back unstarted, and that claim counts as an attempt).
      const handedBack = (id: string) =>
        sockets[0]!.events.filter((e) => e.task_id === id && e.type === 'task.output' && JSON.stringify(e).includes('Interrupted by a service shutdown')).length;
      for (const id of killed.held) expect(final[ids.indexOf(id)].attempts).toBe(2 + handedBack(id));
      for (const id of drained.held) expect(final[ids.indexOf(id)].attempts).toBeGreaterThanOrEqual(1);
      // The follow-up started only after its conversation's first run ended, and resumed it.
      const [a, b] = [final[ids.indexOf(first.task_id)], final[ids.indexOf(followUp.task_id)]];
      expect(Date.parse(b.started_at)).toBeGreaterThanOrEqual(Date.parse(a.completed_at));
      expect(b.output).toBe('second answer');

      // Every event of every task on both API processes: one start per attempt, one ending, output without gaps.
      await sleep(500);
      for (const { events } of sockets) {
        for (const [i, id] of ids.entries()) {
          const mine = events.filter((e) => e.task_id === id);
          expect(mine.filter((e) => e.type === 'task.created'), id).toHaveLength(1);
          expect(mine.filter((e) => e.type === 'task.completed'), id).toHaveLength(1);
          expect(mine.filter((e) => e.type === 'task.started').length).toBe(final[i].attempts);
          const seqs = mine.filter((e) => e.type === 'task.output').map((e) => e.seq);
          expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => k + 1));
        }
      }
      // None completed twice: one answer per task in its conversation (and one task.completed, above), after the model
      // was asked. (Requests per attempt are not counted: on a loaded machine the CLI retries a slow request.)
      for (const [i, task] of final.entries()) {
        const messages = (await call(api1, 'GET', `/api/conversations/${task.conversation_id}/messages`)).body;
        expect((messages.messages ?? messages).filter((m: any) => m.role === 'assistant' && m.task_id === task.task_id)).toHaveLength(1);
        // The last message is the run's own prompt (a resumed conversation carries the earlier ones before it).
        expect(suite.model.requests.some((r) => r.script && JSON.stringify(r.body?.messages?.at(-1) ?? '').includes(`tag-${i}-end`))).toBe(true);
      }
      expect(output.join('\n')).not.toMatch(/late result of an attempt presumed dead/); // SIGKILL leaves no late result

      // GET /api/workers: the killed and the drained worker gone, the last one live with its load; cluster figures.
      expect(row(killed.worker.pid)).toMatchObject({ state: 'gone', gone_reason: expect.stringMatching(/no heartbeat/) });
      expect(row(drained.worker.pid)).toMatchObject({ state: 'gone', gone_reason: 'stopped' });
      const last = ready.workers.find((w) => w.pid !== killed.worker.pid && w.pid !== drained.worker.pid)!;
      expect(row(last.pid)).toMatchObject({ state: 'live', capacity: PER_WORKER });
      expect(workers.totals).toMatchObject({ live: 1, capacity: PER_WORKER });
      const status = (await call(api1, 'GET', '/api/dashboard/status')).body;
      expect(status).toMatchObject({ workers_live: 1, capacity: PER_WORKER, global_max_concurrent_tasks: GLOBAL_LIMIT });
      // A worker serves /metrics on its WORKER_METRICS_PORT, with the cluster's figures.
      const metrics = await (await fetch(`http://127.0.0.1:${last.metrics_port}/metrics`)).text();
      expect(metrics).toMatch(/^cca_workers\{state="live"\} 1$/m);
      expect(metrics).toMatch(/^cca_workers\{state="gone"\} 2$/m);
      expect(metrics).toMatch(/^cca_cluster_capacity_tasks 4$/m);
      expect(metrics).toMatch(/^cca_running_tasks \d+$/m);
    } catch (err) {
      console.log(`cluster output:\n${interestingOutput(output)}`);
      throw err;
    } finally {
      sampling = false;
      for (const s of sockets) s.ws.close();
      await cluster.stop();
    }
  }, 600_000);
});
