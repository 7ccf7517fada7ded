// The runner of the durable after-run steps on SQLite, with stand-in provider clients: a step that keeps failing is
// retried within a claim, left pending between claims, and given up after the last one (the thread hears why, once);
// a step of a task that did not complete is skipped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { Config } from '../config.js';
import { openStorage, type Storage } from '../storage/db.js';
import { createRepositories, type Repositories } from '../storage/repositories/index.js';
import { TaskService } from '../tasks/task-service.js';
import type { ProviderClients } from '../webhooks/clients.js';
import { AfterRunSteps } from './after-run-steps.js';

describe('after-run steps', () => {
  let storage: Storage;
  let repos: Repositories;
  const posts: string[] = [];
  let lookups = 0;
  const config = { JIRA_TICKET_PROJECT: 'OPS', JIRA_TICKET_ISSUE_TYPE: 'Task', JIRA_BASE_URL: 'https://jira.example', FLOW_REPLY_TO_LINKED_THREADS: false } as Config;
  const clients = {
    jira: {
      findIssueByLabel: async () => {
        lookups++;
        throw new Error('Jira is down');
      },
      createIssue: async () => ({ id: '1', key: 'OPS-1' }),
      addComment: async ({ text }: { text: string }) => {
        posts.push(text);
        return { id: String(posts.length) };
      },
      updateComment: async () => ({ id: '1' }),
    },
  } as unknown as ProviderClients;

  beforeAll(async () => {
    storage = await openStorage({ sqliteFile: ':memory:' });
    repos = createRepositories(storage.db);
  });
  afterAll(async () => storage?.close());

  const task = async (status: string, planned = true) => {
    const row = await new TaskService({ repos } as ConstructorParameters<typeof TaskService>[0]).insert({
      session_id: 's',
      source: 'jira',
      input_message: 'ticket',
      external_id: 'jira:SUP-1',
      flow_id: 'flow_sup',
      source_metadata: { target: { provider: 'jira', issueKey: 'SUP-1' }, after_run: { opens: 'jira_issue' } },
    });
    await repos.tasks.update(row.task_id, { status, output: 'Login fails', completed_at: Date.now() });
    if (planned) await repos.afterRunSteps.plan(row.task_id, ['jira_issue']);
    return (await repos.tasks.get(row.task_id))!;
  };

  it('retries within a claim, waits between claims, gives up after the last and tells the thread once', async () => {
    const steps = new AfterRunSteps({ config, repos, clients, log: pino({ level: 'silent' }) }, { retries: 1, minTimeoutMs: 1, maxClaims: 2, backoffMs: 0, graceMs: 0 });
    const t = await task('completed');
    await steps.runFor(t);
    expect(lookups).toBe(2);
    expect(await repos.afterRunSteps.forTask(t.task_id)).toMatchObject([{ status: 'pending', attempts: 1, error: 'Jira is down', claimed_by: null }]);
    expect(posts).toEqual([]);

    expect(await steps.sweep()).toBe(1);
    expect(lookups).toBe(4);
    expect(await repos.afterRunSteps.forTask(t.task_id)).toMatchObject([{ status: 'failed', attempts: 2 }]);
    expect(posts).toEqual(['Could not open the Jira issue: Jira is down']);
    expect((await repos.tasks.get(t.task_id))!.post_back_error).toBe('Could not open the Jira issue: Jira is down');
    expect(await steps.sweep()).toBe(0);
    expect(posts).toHaveLength(1);
  });

  it('plans the steps of a webhook task stored without them (before the upgrade that added them) when it completes', async () => {
    const steps = new AfterRunSteps({ config, repos, clients, log: pino({ level: 'silent' }) }, { retries: 0, maxClaims: 1 });
    const t = await task('completed', false);
    await steps.runFor(t);
    expect(await repos.afterRunSteps.forTask(t.task_id)).toMatchObject([
      { step: 'flow_notes', status: 'done' },
      { step: 'jira_issue', status: 'failed', attempts: 1 },
    ]);
  });

  it('skips the steps of a task that failed', async () => {
    const steps = new AfterRunSteps({ config, repos, clients, log: pino({ level: 'silent' }) }, { graceMs: 0 });
    const t = await task('failed');
    const before = lookups;
    await steps.sweep({ ignoreBackoff: true });
    expect(await repos.afterRunSteps.forTask(t.task_id)).toMatchObject([{ status: 'skipped' }]);
    expect(lookups).toBe(before);
  });
});
