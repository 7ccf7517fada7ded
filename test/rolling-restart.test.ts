// A rolling restart with real processes on PostgreSQL + Redis: an API process and two workers, one run that ends
// quickly and one that does not. The worker running the long one gets SIGTERM; more work is sent while it drains. It
// takes nothing new, lets what fits in its grace finish, hands the long task back (queued again, not failed) and exits
// 0; the other worker runs the handed-back task and the new work. Every task completes exactly once (one answer, one
// model run per attempt). Reconciliation is set to an hour and both workers' start-up passes are over before the
// hand-back, so neither rescues anything here: the hand-back itself gives the task to the other worker.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { waitFor } from './support/faults.js';
import { processSuite } from './support/process-suite.js';
import { callService, freePort, startServiceProcess, startWorkerProcess } from './support/service-process.js';
import { hasPostgres, hasRedis, POSTGRES_URL } from './support/services.js';

/** Which worker process (its pid, from the task's worker_id host/pid/suffix) last ran each task. */
async function workerPids(schema: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const rows = (await client.query(`select task_id, worker_id from "${schema}".tasks`)).rows as Array<{ task_id: string; worker_id: string | null }>;
    return new Map(rows.map((r) => [r.task_id, Number((r.worker_id ?? '').split('/')[1])]));
  } finally {
    await client.end();
  }
}

describe.skipIf(!hasPostgres || !hasRedis)('rolling restart of a worker (PostgreSQL + Redis, real processes)', () => {
  const suite = processSuite('rolling');

  it('SIGTERM: no new work, the run within the grace finishes, the rest is handed back; the other worker loses and duplicates nothing', async () => {
    const env = {
      ...suite.env(),
      MAX_CONCURRENT_TASKS: '2',
      SHUTDOWN_GRACE_SECONDS: '10',
      RECONCILE_SECONDS: '3600',
    };
    const apiProcess = await startServiceProcess({ ...env, LOG_LEVEL: 'warn' }, await freePort(), 'api');
    // Both workers are up (their start-up reconciliation done) before either is told to stop; they start side by side.
    const workers = await Promise.all([startWorkerProcess(env), startWorkerProcess(env)]);
    const chat = async (message: string) => {
      const sent = await callService(apiProcess.url, 'POST', '/api/chat', { message });
      expect(sent.status).toBe(202);
      return sent.body.task_id as string;
    };
    try {
      // One run that ends within the grace, one that does not.
      const fits = await chat('[[script:slow 2000 fits in the grace]] marker-fits');
      const long = await chat('[[script:slow 20000 ran to the end]] marker-long');
      // Both have reached the model (Claude Code itself takes seconds to start on a loaded machine).
      const runs = (marker: string) => suite.model.requests.filter((r) => r.script && JSON.stringify(r.body?.messages ?? '').includes(marker)).length;
      await waitFor(() => (runs('marker-fits') && runs('marker-long') ? true : undefined), 'both runs under way');

      // The worker running the long task is the old one, stopped; the other goes on. Work sent while the old one
      // drains goes to the other only.
      const runningOn = (await workerPids(suite.schema)).get(long);
      const old = workers.find((w) => w.child.pid === runningOn)!;
      const survivor = workers.find((w) => w !== old)!;
      expect(old, 'the long task runs on one of the workers').toBeDefined();
      old.child.kill('SIGTERM');
      const queued = [];
      for (let i = 0; i < 4; i++) queued.push(await chat(`[[script:text queued ${i}]] marker-queued-${i}`));
      expect(await old.exited).toBe(0);
      expect(old.output()).toContain('stopped cleanly');

      const all = [fits, long, ...queued];
      const final = await waitFor(async () => {
        const rows = await Promise.all(all.map(async (id) => (await callService(apiProcess.url, 'GET', `/api/tasks/${id}`)).body));
        return rows.every((r) => ['completed', 'failed', 'cancelled'].includes(r.status)) ? rows : undefined;
      }, 'every task to end', 120_000);
      expect(final.map((t) => t.status)).toEqual(all.map(() => 'completed'));
      expect(final[0]).toMatchObject({ output: 'fits in the grace', attempts: 1 });
      expect(final[1]).toMatchObject({ output: 'ran to the end', attempts: 2 });
      expect(final.slice(2).map((t) => t.output)).toEqual(['queued 0', 'queued 1', 'queued 2', 'queued 3']);
      // The handed-back task and everything sent during the drain ran on the worker that stayed.
      const pids = await workerPids(suite.schema);
      for (const id of [long, ...queued]) expect(pids.get(id), id).toBe(survivor.child.pid);
      const longEvents = (await callService(apiProcess.url, 'GET', `/api/tasks/${long}/events`)).body.events.map((e: any) => e.item.message).filter(Boolean);
      expect(longEvents).toContain('Interrupted by a service shutdown; the task will run again.');

      // Nothing ran twice beyond its attempts, and each task answered its conversation once.
      expect(runs('marker-fits')).toBe(1);
      expect(runs('marker-long')).toBe(2);
      for (let i = 0; i < 4; i++) expect(runs(`marker-queued-${i}`)).toBe(1);
      for (const task of final) {
        const messages = (await callService(apiProcess.url, 'GET', `/api/conversations/${task.conversation_id}/messages`)).body;
        const answers = (messages.messages ?? messages).filter((m: any) => m.role === 'assistant' && m.task_id === task.task_id);
        expect(answers).toHaveLength(1);
      }
    } finally {
      for (const p of [...workers, apiProcess]) {
        if (p && p.child.exitCode === null) {
          p.child.kill('SIGKILL');
          await p.exited;
        }
      }
    }
  }, 300_000);
});
