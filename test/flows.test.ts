// Issue 15, item 1: one session across providers. Threads that concern the same work are linked into one flow, and a
// command in any of them resumes the same Claude session (real CLI, scripted model, fake provider APIs). The story:
// a Sentry alert is analysed, "@agent open a Jira ticket" on the Sentry issue has the service open one, "@agent fix"
// on that Jira issue runs, "@agent address the review" on the pull request continues, and the Slack notify channel
// gets the summary — one Claude session id throughout, each reply in its own thread.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskView } from '../src/contracts/task.js';
import { eventually } from './support/eventually.js';
import { type FakeGithub, type FakeProvider, startFakeGithub, startFakeJira, startFakeSentry, startFakeSlack } from './support/fake-providers.js';
import { type GitHttpServer, startGitHttpServer } from './support/git-http-server.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { fixture, nextDeliveryId, webhookEnv, webhookSender, type WebhookSender } from './support/send-webhook.js';

process.env.CLAUDE_CODE_MAX_RETRIES = '1';

const SENTRY_ISSUE = '1117540176';
const JIRA_MAINTAINER = '712020:maintainer';
const GITHUB_TOKEN = 'ghp_flows_token_1234567890';
let n = 0;
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } }).trim();

/** The code of Jira project OPS (JIRA_REPOSITORIES): a bare repository the fake git server serves and accepts pushes to. */
function makeOrigin(root: string, fullName: string): string {
  const work = path.join(root, 'work');
  fs.mkdirSync(work, { recursive: true });
  git(work, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(work, 'checkout.js'), 'export const total = (cart) => heck(cart);\n');
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'Checkout');
  const bare = path.join(root, 'origin', `${fullName}.git`);
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  git(bare, 'config', 'http.receivepack', 'true');
  return bare;
}

const repo = fixture('github/issue_comment.created.json').repository.full_name as string;

describe('flows: one Claude session across Sentry, Jira, GitHub and Slack', () => {
  let model: ScriptedModel;
  let h: Harness;
  let github: FakeGithub;
  let slack: FakeProvider;
  let jira: FakeProvider;
  let sentry: FakeProvider;
  let gitServer: GitHttpServer;
  let origin: string;
  let send: WebhookSender;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-flows-origin-'));

  beforeAll(async () => {
    origin = makeOrigin(root, repo);
    gitServer = await startGitHttpServer(path.join(root, 'origin'));
    gitServer.accept((token) => token === GITHUB_TOKEN);
    model = await startScriptedModel();
    github = await startFakeGithub({ permissions: { Codertocat: 'admin', writer: 'write' }, gitRoot: path.join(root, 'origin') });
    slack = await startFakeSlack();
    jira = await startFakeJira();
    sentry = await startFakeSentry();
    h = await startHarness({
      model,
      env: {
        ...webhookEnv({ github: github.url, slack: slack.url, jira: jira.url, sentry: sentry.url }),
        GITHUB_TOKEN,
        GITHUB_CLONE_URL: gitServer.url,
        SLACK_BOT_USER_ID: 'U0LAN0Z89',
        SLACK_NOTIFY_CHANNEL: 'C0NOTIFY',
        JIRA_MAINTAINERS: JIRA_MAINTAINER,
        JIRA_TICKET_PROJECT: 'OPS',
        JIRA_REPOSITORIES: `OPS=${repo}`,
        PROGRESS_UPDATE_SECONDS: '0.2',
      },
    });
    send = webhookSender(h.url);
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([model, github, slack, jira, sentry, gitServer].map((s) => s?.close()));
    fs.rmSync(root, { recursive: true, force: true });
  });

  const sentryDelivery = (resource: string, payload: unknown) => send.sentry(resource, payload);
  const jiraComment = (issueKey: string, text: string, accountId = JIRA_MAINTAINER) => {
    const payload = fixture('jira/comment_created.json');
    payload.issue.key = issueKey;
    payload.issue.fields.summary = 'Checkout crashes';
    payload.comment.body = text;
    payload.comment.id = String(50_000 + ++n);
    payload.comment.author.accountId = accountId;
    return send.jira(payload);
  };
  const githubComment = (issue: number, text: string, login = 'Codertocat', pullRequest = false) => {
    const payload = fixture('github/issue_comment.created.json');
    payload.issue.number = issue;
    if (pullRequest) payload.issue.pull_request = { url: `https://api.github.com/repos/${repo}/pulls/${issue}` };
    payload.comment.body = text;
    payload.comment.id = 700_000 + ++n;
    payload.comment.user.login = login;
    payload.sender.login = login;
    return send.github('issue_comment', payload);
  };
  const slackMention = (text: string, user = 'U061F7AUR', ts = `${Math.floor(Date.now() / 1000)}.${String(++n).padStart(6, '0')}`) => {
    const payload = fixture('slack/app_mention.json');
    payload.event_id = nextDeliveryId('Ev');
    payload.event.text = `<@U0LAN0Z89> ${text}`;
    payload.event.user = user;
    payload.event.ts = ts;
    delete payload.event.thread_ts;
    return send.slack(payload);
  };
  const accepted = async (res: { status: number; body: Record<string, any> }) => {
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const task = await h.waitForTask(res.body.task_id as string);
    expect(task.status, task.error ?? '').toBe('completed');
    return task;
  };
  const texts = (fake: FakeProvider, method: string, re: RegExp) => fake.calls.filter((c) => c.method === method && re.test(c.path)).map((c) => JSON.stringify(c.body));

  it('Sentry alert → Jira ticket → fix on Jira → address the review on the PR: one flow, one Claude session', async () => {
    // 1. The alert runs analyze on its own (Sentry's alert rule is the sender).
    const alert = fixture('sentry/event_alert_triggered.json');
    alert.data.event.title = 'ReferenceError: heck is not defined [[script:text The cause: checkout calls heck() which does not exist.]]';
    const analyze = await accepted(await sentryDelivery('event_alert', alert));
    expect(analyze.claude_session_id).toBeTruthy();
    const session = analyze.claude_session_id;
    const flow = analyze.flow_id;

    // 2. "@agent open a Jira ticket" on the Sentry issue: the run writes it, the service opens and links it.
    const comment = fixture('sentry/comment_created.json');
    comment.data.issue_id = Number(SENTRY_ISSUE);
    comment.data.comment = '@agent open a Jira ticket [[script:text Checkout crashes calling heck()]]';
    const ticket = await accepted(await sentryDelivery('comment', comment));
    expect(ticket).toMatchObject({ flow_id: flow, conversation_id: analyze.conversation_id, claude_session_id: session, rule: 'builtin:sentry:ticket' });
    await eventually(() => texts(jira, 'POST', /^\/rest\/api\/3\/issue$/).length === 1);
    expect(texts(jira, 'POST', /^\/rest\/api\/3\/issue$/)[0]).toContain('"summary":"Checkout crashes calling heck()"');
    await eventually(() => texts(sentry, 'POST', new RegExp(`/issues/${SENTRY_ISSUE}/comments/$`)).some((t) => t.includes('Opened Jira issue OPS-1')));

    // 3. "@agent fix" on the new Jira issue continues the same session in the project's repository (JIRA_REPOSITORIES);
    // the service pushes the change and opens a draft pull request, and the reply on OPS-1 links it.
    const fix = await accepted(await jiraComment('OPS-1', '@agent fix [[script:write checkout.js export const total = (cart) => cart.length;]]'));
    expect(fix).toMatchObject({ flow_id: flow, conversation_id: analyze.conversation_id, claude_session_id: session, external_id: 'jira:OPS-1' });
    // The task is completed before the service delivers its changes (the post-run step): the thread's reply names them.
    await eventually(() => texts(jira, 'PUT', /^\/rest\/api\/3\/issue\/OPS-1\/comment\/\d+$/).some((t) => t.includes('/pull/')));
    const pr = (await h.request<TaskView>('GET', `/api/tasks/${fix.task_id}`)).body.pull_request!;
    expect(pr, JSON.stringify(await h.request('GET', `/api/tasks/${fix.task_id}`))).toMatchObject({ provider: 'github', repository: repo, state: 'open', branch: `agent/${flow}-1` });
    expect(texts(github, 'POST', new RegExp(`^/repos/${repo}/pulls$`))).toHaveLength(1);
    expect(git(origin, 'show', `refs/heads/${pr.branch}:checkout.js`)).toBe('export const total = (cart) => cart.length;');
    await eventually(() => texts(jira, 'PUT', /^\/rest\/api\/3\/issue\/OPS-1\/comment\/\d+$/).some((t) => t.includes(pr.url)));

    // 4. "@agent address the review" on that pull request: the run opened it, so its thread is in the flow already;
    // the same session goes on, and the change is pushed to the same branch.
    const address = await accepted(await githubComment(pr.number, '@agent address the review [[script:write checkout.js export const total = (cart) => cart?.length ?? 0;]]', 'Codertocat', true));
    expect(address).toMatchObject({ flow_id: flow, conversation_id: analyze.conversation_id, claude_session_id: session, external_id: `github:${repo}#${pr.number}` });
    const onPr = () => texts(github, 'PATCH', new RegExp(`/repos/${repo}/issues/comments/\\d+$`)).concat(texts(github, 'POST', new RegExp(`/repos/${repo}/issues/${pr.number}/comments$`)));
    await eventually(() => onPr().some((t) => t.includes('Wrote checkout.js.') && t.includes(address.task_id)));
    expect((await h.request<TaskView>('GET', `/api/tasks/${address.task_id}`)).body.pull_request).toMatchObject({ number: pr.number, branch: pr.branch });
    expect(texts(github, 'POST', new RegExp(`^/repos/${repo}/pulls$`))).toHaveLength(1);
    expect(git(origin, 'show', `refs/heads/${pr.branch}:checkout.js`)).toBe('export const total = (cart) => cart?.length ?? 0;');

    // 5. The notify channel hears the summary of the flow's latest step, naming its threads.
    const addressed = (t: string) => t.includes('`address` finished') && t.includes(flow!);
    await eventually(() => texts(slack, 'POST', /chat\.postMessage$/).some(addressed));
    const summary = texts(slack, 'POST', /chat\.postMessage$/).find(addressed)!;
    expect(summary).toContain('Wrote checkout.js.');
    expect(summary).toContain('jira:OPS-1');
    expect(summary).toContain(`github:${repo}#${pr.number}`);

    // The model saw one conversation: every run resumed the first one's session.
    const runs = model.requests.filter((r) => r.script && r.sessionId);
    expect(runs.length).toBeGreaterThanOrEqual(4);
    expect(new Set(runs.map((r) => r.sessionId))).toEqual(new Set([session]));
    // Each reply went to the thread that asked: Sentry got the analysis and the ticket, Jira the fix, GitHub the review.
    expect(texts(sentry, 'POST', /comments\/$/).some((t) => t.includes('Fixed: checkout'))).toBe(false);
    expect(texts(jira, 'POST', /comment$/).concat(texts(jira, 'PUT', /comment\/\d+$/)).some((t) => t.includes(address.task_id))).toBe(false);
  });

  it('`@agent continue <link>` links a thread for a maintainer only; a mention by anyone else is just text', async () => {
    const flowOfOps1 = (await h.request('GET', '/api/tasks?limit=50')).body.tasks.find((t: any) => t.external_id === 'jira:OPS-1')?.flow_id;
    expect(flowOfOps1).toBeTruthy();
    // A GitHub user with write (not admin) access names the ticket: the thread stays its own flow.
    const plain = await accepted(await githubComment(78, '@agent analyze OPS-1 [[script:text Looked.]]', 'writer'));
    expect(plain.flow_id).not.toBe(flowOfOps1);
    // …and cannot link it by asking.
    const refused = await githubComment(78, '@agent continue OPS-1', 'writer');
    expect(refused.status).toBe(200);
    await eventually(() => texts(github, 'POST', new RegExp(`/repos/${repo}/issues/78/comments$`)).some((t) => t.includes('Not linked: only a maintainer')));
    // A maintainer can; the next command there resumes the flow's session.
    const linked = await githubComment(78, `@agent continue ${h.url}/x and https://example.atlassian.net/browse/OPS-1`);
    expect(linked.status).toBe(200);
    await eventually(() => texts(github, 'POST', new RegExp(`/repos/${repo}/issues/78/comments$`)).some((t) => t.includes(`now continues ${flowOfOps1}`)));
    const next = await accepted(await githubComment(78, '@agent analyze [[script:text Same session.]]', 'writer'));
    expect(next.flow_id).toBe(flowOfOps1);
    // Naming nothing known is answered, and links nothing.
    await githubComment(78, '@agent continue NOPE-404');
    await eventually(() => texts(github, 'POST', new RegExp(`/repos/${repo}/issues/78/comments$`)).some((t) => t.includes('nothing has run for jira:NOPE-404')));
  });

  it('a Slack thread opens a ticket too, and hears where it is', async () => {
    const res = await slackMention('ticket [[script:text Login page is slow]]');
    const task = await accepted(res);
    expect(task.rule).toBe('builtin:slack:ticket');
    await eventually(() => texts(slack, 'POST', /chat\.postMessage$/).some((t) => t.includes('Opened Jira issue OPS-2')));
  });
});
