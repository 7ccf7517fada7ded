// Issue 15, items 1 and 2: what follows a webhook run besides its reply. The result goes, when a rule (or
// FLOW_REPLY_TO_LINKED_THREADS) asks, to the flow's other threads too; and the steps after the run (the Jira ticket,
// those notes, the Slack summary) are durable rows, retried, swept at start-up, run once, and never open two issues.
// Real service, real Claude Code CLI with the scripted model, fake provider APIs; a step's row says when it is over,
// so what was not posted is checked after that, without sleeps.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AfterRunSteps } from '../src/flows/after-run-steps.js';
import { ticketLabel } from '../src/webhooks/providers/jira/ticket.js';
import { eventually } from './support/eventually.js';
import { type FakeGithub, type FakeJira, startFakeGithub, startFakeJira } from './support/fake-providers.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { fixture, webhookEnv, webhookSender } from './support/send-webhook.js';
import { dropSchema, freshRedisPrefix, freshSchemaName } from './support/services.js';

process.env.CLAUDE_CODE_MAX_RETRIES = '1';

const JIRA_MAINTAINER = '712020:maintainer';
const repo = fixture('github/issue_comment.created.json').repository.full_name as string;
let n = 0;

describe('after the run: linked threads told, durable steps (issue 15, items 1 and 2)', () => {
  let model: ScriptedModel;
  let github: FakeGithub;
  let jira: FakeJira;
  let h: Harness;
  const schema = freshSchemaName();
  const redisPrefix = freshRedisPrefix();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-after-run-'));
  const start = async () => {
    h = await startHarness({
      model,
      distributed: true,
      schema,
      redisPrefix,
      dataDir,
      env: {
        ...webhookEnv({ github: github.url, jira: jira.url }),
        JIRA_MAINTAINERS: JIRA_MAINTAINER,
        JIRA_TICKET_PROJECT: 'OPS',
        PROGRESS_UPDATE_SECONDS: '0.2',
      },
    });
    return webhookSender(h.url);
  };
  let send: ReturnType<typeof webhookSender>;

  beforeAll(async () => {
    model = await startScriptedModel();
    github = await startFakeGithub({ permissions: { Codertocat: 'admin' } });
    jira = await startFakeJira();
    send = await start();
  });
  afterAll(async () => {
    await h?.close();
    await dropSchema(schema);
    fs.rmSync(dataDir, { recursive: true, force: true });
    await Promise.all([model, github, jira].map((s) => s?.close()));
  });

  const githubComment = (issue: number, text: string) => {
    const payload = fixture('github/issue_comment.created.json');
    payload.issue.number = issue;
    payload.comment.body = text;
    payload.comment.id = 810_000 + ++n;
    return send.github('issue_comment', payload);
  };
  const jiraComment = (issueKey: string, text: string) => {
    const payload = fixture('jira/comment_created.json');
    payload.issue.key = issueKey;
    payload.comment.body = text;
    payload.comment.id = String(60_000 + ++n);
    payload.comment.author.accountId = JIRA_MAINTAINER;
    return send.jira(payload);
  };
  const completed = async (res: { status: number; body: any }) => {
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const task = await h.waitForTask(res.body.task_id);
    expect(task.status, task.error ?? '').toBe('completed');
    return task;
  };
  const stepsOf = (taskId: string) => h.services.repos.afterRunSteps.forTask(taskId);
  const stepsOver = (taskId: string) => eventually(async () => (await stepsOf(taskId)).every((s) => s.status !== 'pending'), `the steps of ${taskId} are over`);
  const githubPosts = (issue: number) => github.calls.filter((c) => c.method === 'POST' && c.path === `/repos/${repo}/issues/${issue}/comments`).map((c) => String(c.body.body));
  const jiraTexts = (issueKey: string) => jira.calls.filter((c) => c.path.startsWith(`/rest/api/3/issue/${issueKey}/comment`)).map((c) => JSON.stringify(c.body));
  const issuesOpened = () => jira.calls.filter((c) => c.method === 'POST' && c.path === '/rest/api/3/issue' && c.status === 201);

  it('tells the other linked threads only when the rule asks: the asker gets the reply, the others a short note', async () => {
    const issue = 4_100 + n;
    const first = await completed(await githubComment(issue, '@agent analyze [[script:text GitHub side looked.]]'));
    await stepsOver(first.task_id);
    // A Jira issue names the GitHub issue: a maintainer's mention links it into that flow.
    const off = await completed(await jiraComment('OPS-90', `@agent analyze https://github.com/${repo}/issues/${issue} [[script:text Jira side, first.]]`));
    expect(off.flow_id).toBe(first.flow_id);
    await stepsOver(off.task_id);
    expect(await stepsOf(off.task_id)).toMatchObject([{ step: 'flow_notes', status: 'done' }]);
    // Off by default: the GitHub issue heard nothing of it.
    expect(githubPosts(issue).join('\n')).not.toContain('Jira side');

    const bad = await h.request('PATCH', '/api/webhooks/static/jira/commands/analyze', { options: { reply_to_linked: 'yes' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('options.reply_to_linked: true or false');
    const on = await h.request('PATCH', '/api/webhooks/static/jira/commands/analyze', { options: { reply_to_linked: true } });
    expect(on.status, JSON.stringify(on.body)).toBe(200);

    const asked = await completed(await jiraComment('OPS-90', '@agent analyze [[script:text Jira side, second.]]'));
    await stepsOver(asked.task_id);
    const notes = githubPosts(issue).filter((t) => t.includes('Jira side, second.'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('From jira:OPS-90');
    expect(notes[0]).toContain('`analyze` finished');
    // The asker got the full reply in its own thread.
    await eventually(() => jiraTexts('OPS-90').some((t) => t.includes('Jira side, second.') && t.includes(asked.task_id)), 'the reply on OPS-90');
    // The note is the service's own post: the loop guard knows it.
    expect((await h.services.repos.webhookEvents.postsForTask(asked.task_id)).map((p) => p.provider)).toContain('github');
    await h.request('DELETE', '/api/webhooks/static/jira/commands/analyze');
  });

  it('opens one Jira issue when Jira answers 500 twice first, links it and tells the thread', async () => {
    const issue = 4_200 + n;
    const before = issuesOpened().length;
    jira.failNext(2, 500);
    const task = await completed(await githubComment(issue, '@agent ticket [[script:text Checkout total is wrong]]'));
    await stepsOver(task.task_id);
    expect(await stepsOf(task.task_id)).toMatchObject([{ step: 'flow_notes', status: 'done' }, { step: 'jira_issue', status: 'done' }]);
    expect(issuesOpened()).toHaveLength(before + 1);
    const key = JSON.parse((await stepsOf(task.task_id)).find((s) => s.step === 'jira_issue')!.progress!).key as string;
    expect((await h.services.repos.flowLinks.get(`jira:${key}`))?.flow_id).toBe(task.flow_id);
    expect(githubPosts(issue).filter((t) => t.includes(`Opened Jira issue ${key}`))).toHaveLength(1);
  });

  it('never opens a second issue when Jira made the first but its answer was lost', async () => {
    const issue = 4_250 + n;
    const creates = () => jira.calls.filter((c) => c.method === 'POST' && c.path === '/rest/api/3/issue');
    const before = creates().length;
    jira.loseCreates(1);
    const task = await completed(await githubComment(issue, '@agent ticket [[script:text Coupons apply twice]]'));
    await stepsOver(task.task_id);
    // One create, answered 500; the next try found the issue by its label instead of opening another.
    expect(creates().slice(before).map((c) => c.status)).toEqual([500]);
    const step = (await stepsOf(task.task_id)).find((s) => s.step === 'jira_issue')!;
    expect(step).toMatchObject({ status: 'done', attempts: 1 });
    const key = JSON.parse(step.progress!).key as string;
    expect(githubPosts(issue).filter((t) => t.includes(`Opened Jira issue ${key}`))).toHaveLength(1);
  });

  it('a step left pending when the service went down is completed once by the next start; never a second issue', async () => {
    const issue = 4_300 + n;
    const before = issuesOpened().length;
    // Jira refuses every call until the service is down: the step gives up this claim and stays pending.
    jira.failNext(1_000, 400);
    const task = await completed(await githubComment(issue, '@agent ticket [[script:text Refunds are lost]]'));
    await eventually(async () => (await stepsOf(task.task_id)).some((s) => s.step === 'jira_issue' && s.attempts >= 1 && s.claimed_by === null), 'the first claim is over');
    expect((await stepsOf(task.task_id)).find((s) => s.step === 'jira_issue')).toMatchObject({ status: 'pending' });
    await h.close();
    jira.failNext(0, 500);
    expect(issuesOpened()).toHaveLength(before);

    send = await start();
    await stepsOver(task.task_id);
    expect((await stepsOf(task.task_id)).find((s) => s.step === 'jira_issue')).toMatchObject({ status: 'done' });
    expect(issuesOpened()).toHaveLength(before + 1);
    const key = JSON.parse((await stepsOf(task.task_id)).find((s) => s.step === 'jira_issue')!.progress!).key as string;
    expect(githubPosts(issue).filter((t) => t.includes(`Opened Jira issue ${key}`))).toHaveLength(1);
    expect(issuesOpened().at(-1)!.body.fields.labels).toEqual([ticketLabel(task.task_id)]);

    // Run once more as if the progress (the key) had been lost after Jira created the issue: the label finds it.
    await h.services.repos.afterRunSteps.plan(task.task_id, ['jira_issue']);
    const db = h.services.storage.db;
    await db.updateTable('after_run_steps').set({ status: 'pending', progress: null }).where('task_id', '=', task.task_id).where('step', '=', 'jira_issue').execute();
    const steps = new AfterRunSteps({ config: h.services.config, repos: h.services.repos, clients: h.services.clients, log: h.services.log });
    await Promise.all([steps.sweep({ ignoreBackoff: true }), steps.sweep({ ignoreBackoff: true })]);
    expect(issuesOpened()).toHaveLength(before + 1);
    expect((await stepsOf(task.task_id)).find((s) => s.step === 'jira_issue')).toMatchObject({ status: 'done' });
  });

  it('a pending step is claimed by one of two workers asking at once, and by nobody while the claim holds', async () => {
    const repos = h.services.repos.afterRunSteps;
    const taskId = `task_claim_${Date.now()}`;
    await repos.plan(taskId, ['flow_notes']);
    const won = await Promise.all([repos.claim(taskId, 'flow_notes', 'worker-a', 60_000), repos.claim(taskId, 'flow_notes', 'worker-b', 60_000)]);
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await repos.claim(taskId, 'flow_notes', 'worker-c', 60_000)).toBe(false);
    // A worker that died holding it: once the lease has run out, another takes it up.
    expect(await repos.claim(taskId, 'flow_notes', 'worker-c', 60_000, Date.now() + 61_000)).toBe(true);
  });
});
