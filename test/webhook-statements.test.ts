// What one webhook delivery costs the database, counted on SQLite: every statement the service runs from the moment a
// signed delivery is sent until it is answered (issue 13 item 1: each statement is Kysely building a query and SQLite
// running it, the larger part of a delivery's CPU). The API role, so no worker runs meanwhile; the sender's
// permission is cached by a first delivery, as it is for every delivery but the first from someone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { type FakeGithub, startFakeGithub } from './support/fake-providers.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { githubIssueComment, webhookEnv, webhookSender, type WebhookSender } from './support/send-webhook.js';

const isWrite = (text: string) => /^\s*(insert|update|delete)\b/i.test(text);
const isBegin = (text: string) => /^\s*begin\b/i.test(text);

describe('statements per webhook delivery on SQLite', () => {
  let model: ScriptedModel;
  let github: FakeGithub;
  let h: Harness;
  let signed: WebhookSender;
  const statements: string[] = [];

  beforeAll(async () => {
    model = await startScriptedModel();
    github = await startFakeGithub({ permissions: { Codertocat: 'admin' } });
    h = await startHarness({ model, role: 'api', onStatement: (text) => void statements.push(text), env: webhookEnv({ github: github.url }) });
    signed = webhookSender(h.url);
    // The first delivery from Codertocat looks the permission up after its answer; once its task is queued, it is cached.
    const first = await signed.github('issue_comment', githubIssueComment(9000, 'Codertocat', '@agent analyze the first issue'));
    expect(first.status).toBe(202);
    await eventually(async () => (await h.request('GET', `/api/tasks/${first.body.task_id}`)).body.status === 'queued', 'the first task is queued');
    // The first task stored the session every GitHub task shares; the next finds it there, and no later one writes it.
    expect((await signed.github('issue_comment', githubIssueComment(9100, 'Codertocat', '@agent analyze the second issue'))).status).toBe(202);
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([model, github].map((s) => s?.close()));
  });

  /** The statements run while one delivery is sent and answered. */
  async function counted(issue: number, text: string) {
    statements.length = 0;
    const answer = await signed.github('issue_comment', githubIssueComment(issue, 'Codertocat', text));
    return { answer, run: [...statements] };
  }

  it('an ignored delivery is one statement that reads and one that writes, with no transaction around it', async () => {
    const { answer, run } = await counted(9001, 'Thanks, looks good to me.');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ignored: expect.any(String) });
    expect(run.filter(isWrite), run.join('\n')).toHaveLength(1);
    expect(run.filter(isBegin), run.join('\n')).toHaveLength(0);
    // The copy check, the loop guard and the route's rules are one read (src/storage/repositories/delivery-screen.ts).
    expect(run.length, run.join('\n')).toBeLessThanOrEqual(2);
  });

  it('a triggering delivery is one transaction and at most 13 statements in all', async () => {
    const { answer, run } = await counted(9002, '@agent analyze why issue 9002 happens');
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: 'queued' });
    expect(answer.body.waiting_for).toBeUndefined(); // the permission came from the cache
    expect(run.filter(isBegin), run.join('\n')).toHaveLength(1);
    expect(run.length, run.join('\n')).toBeLessThanOrEqual(13);
    // The message is counted with the task, in one statement: the counts stay right.
    const task = (await h.request('GET', `/api/tasks/${answer.body.task_id}`)).body;
    expect((await h.request('GET', `/api/conversations/${task.conversation_id}`)).body).toMatchObject({ message_count: 1, task_count: 1 });
  });

  it('the row every webhook task shares, its session, is not written once it exists', async () => {
    // On PostgreSQL concurrent deliveries waited for each other's COMMIT to write it; its totals are counted on reading.
    const { answer, run } = await counted(9003, '@agent analyze why issue 9003 happens');
    expect(run.filter((text) => /"sessions"/.test(text)), run.join('\n')).toHaveLength(0);
    expect(run.at(-1), run.join('\n')).toBe('commit');
    expect(answer.status).toBe(202);
  });
});
