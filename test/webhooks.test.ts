import { describe, expect, it } from 'vitest';
import { startHarness } from './support/harness.js';
import { startScriptedModel } from './support/scripted-model.js';
import { fixture, nextDeliveryId, WEBHOOK_SECRETS } from './support/send-webhook.js';
import { signGithub } from './support/signing.js';
import { eventually } from './support/eventually.js';
import { webhooksSuite } from './support/webhooks-suite.js';

// GitHub deliveries and the stored deliveries; Slack, Jira and Sentry are in webhooks-chat-and-alerts.test.ts (the
// shared set-up is test/support/webhooks-suite.ts).
let deliveries = 0;

/** A GitHub issue_comment.created delivery from the octokit example, with our own comment text and commenter. */
function githubComment(text: string, login = 'Codertocat', opts: { issue?: number; type?: string } = {}) {
  const payload = fixture('github/issue_comment.created.json');
  payload.comment.body = text;
  payload.comment.id = 900_000 + ++deliveries;
  payload.comment.user.login = login;
  payload.sender.login = login;
  payload.sender.type = opts.type ?? 'User';
  if (opts.issue) payload.issue.number = opts.issue;
  return payload;
}

describe('webhooks: verified, deduplicated, permission-checked, and answered back', () => {
  const ctx = webhooksSuite();
  const { sendGithub, taskCount, callsTo } = ctx;

  describe('GitHub', () => {
    it('accepts a signed delivery once; a redelivery is a duplicate; tampered or unsigned is 401', async () => {
      const before = await taskCount();
      const payload = githubComment('@agent analyze [[script:text Analysis done.]] what is this?');
      const body = JSON.stringify(payload);
      const delivery = nextDeliveryId('gh');
      const first = await sendGithub(payload, { delivery, body });
      expect(first.status).toBe(202);
      expect(first.body.task_id).toMatch(/^task_/);
      const again = await sendGithub(payload, { delivery, body });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ duplicate: true, task_id: first.body.task_id });
      expect((await sendGithub(payload, { body: body.replace('analyze', 'fix') , signature: signGithub(WEBHOOK_SECRETS.github, body) })).status).toBe(401);
      const unsigned = await sendGithub(payload, { signature: 'none' });
      expect(unsigned.status).toBe(401);
      expect(unsigned.body.error).toContain('X-Hub-Signature-256');
      expect((await sendGithub(payload, { signature: signGithub('wrong-secret', body) })).body.error).toContain('GITHUB_WEBHOOK_SECRET');
      expect(await taskCount()).toBe(before + 1);
      await ctx.h.waitForTask(first.body.task_id);
    });

    it('answers ping, ignores bots, its own login and comments without the trigger phrase', async () => {
      const ping = await sendGithub({ zen: 'Keep it logically awesome.', hook_id: 1 }, { event: 'ping' });
      expect(ping.status).toBe(200);
      const before = await taskCount();
      const bot = await sendGithub(githubComment('@agent review', 'dependabot[bot]', { type: 'Bot' }));
      expect(bot).toMatchObject({ status: 200, body: { ignored: expect.stringContaining('bot') } });
      const self = await sendGithub(githubComment('@agent review', 'agent-bot'));
      expect(self).toMatchObject({ status: 200, body: { ignored: expect.stringContaining('bot') } });
      const chatter = await sendGithub(githubComment('Looks good to me'));
      expect(chatter.status).toBe(200);
      expect(chatter.body.ignored).toBeTruthy();
      expect(await taskCount()).toBe(before);
    });

    it('refuses a user without write permission, politely, and runs nothing', async () => {
      // The first time, reader's permission is not cached: the delivery is answered at once and its task refused once
      // GitHub has answered (test/permission-wait.test.ts); the next is refused from the cache, with no task at all.
      const first = await sendGithub(githubComment('@agent review please', 'reader', { issue: 77 }));
      expect(first.status).toBe(202);
      expect(await ctx.h.waitForTask(first.body.task_id)).toMatchObject({ status: 'cancelled', started_at: null });
      const before = await taskCount();
      const res = await sendGithub(githubComment('@agent review again', 'reader', { issue: 77 }));
      expect(res.status).toBe(200);
      expect(res.body.refused).toContain('reader has read permission');
      expect(await taskCount()).toBe(before);
      await eventually(() => callsTo(ctx.fakes.github, 'POST', /\/issues\/77\/comments$/).length === 2);
      for (const c of callsTo(ctx.fakes.github, 'POST', /\/issues\/77\/comments$/)) expect(c.body.body).toContain("can't run `review`");
    });

    it('answers help from the table without a model run', async () => {
      ctx.model.reset();
      const res = await sendGithub(githubComment('@agent help', 'writer', { issue: 78 }));
      expect(res).toMatchObject({ status: 200, body: { answered: 'help' } });
      await eventually(() => callsTo(ctx.fakes.github, 'POST', /\/issues\/78\/comments$/).length === 1);
      const help = callsTo(ctx.fakes.github, 'POST', /\/issues\/78\/comments$/)[0]!.body.body as string;
      for (const name of ['analyze', 'plan', 'fix', 'review', 'improve', 'approve', 'reject']) expect(help).toContain(name);
      expect(ctx.model.requests).toHaveLength(0);
    });

    it('@agent review: 👀 at once, one progress comment edited as the run goes, the result in it; a second command resumes the session', async () => {
      const issue = 42;
      const res = await sendGithub(githubComment('@agent review [[script:steps 3 400]] the latest changes', 'Codertocat', { issue }));
      expect(res.status).toBe(202);
      const task = await ctx.h.waitForTask(res.body.task_id);
      expect(task).toMatchObject({ status: 'completed', source: 'github', requester: 'github:Codertocat', rule: 'builtin:github:review' });
      expect(task.permission_mode).toBe('default');

      const reactions = callsTo(ctx.fakes.github, 'POST', /\/issues\/comments\/\d+\/reactions$/);
      expect(reactions.some((c) => c.body.content === 'eyes')).toBe(true);
      const created = callsTo(ctx.fakes.github, 'POST', new RegExp(`/issues/${issue}/comments$`));
      expect(created).toHaveLength(1);
      // This task's edits only: a run of an earlier test may still be editing its own comment.
      const ownEdits = () => callsTo(ctx.fakes.github, 'PATCH', /\/issues\/comments\/\d+$/).filter((c) => String(c.body.body).includes(task.task_id));
      await eventually(() => ownEdits().some((c) => String(c.body.body).includes('finished')));
      const edits = ownEdits().filter((c) => String(c.body.body).includes('Claude Code Agent'));
      expect(edits.length).toBeGreaterThanOrEqual(3); // at least two progress edits and the final one
      expect(edits.some((e) => String(e.body.body).includes('echo step'))).toBe(true);
      const final = String(edits.at(-1)!.body.body);
      expect(final).toContain('Done after 3 steps.');
      expect(final).toContain(`https://agent.example.com/tasks/${task.task_id}`);
      expect(final).toMatch(/\$\d+\.\d{4}/);

      // Same issue, next command: same conversation, same Claude session.
      ctx.model.reset();
      const next = await sendGithub(githubComment('@agent plan [[script:text The plan.]] next steps', 'Codertocat', { issue }));
      const second = await ctx.h.waitForTask(next.body.task_id);
      expect(second.status).toBe('completed');
      expect(second.conversation_id).toBe(task.conversation_id);
      expect(second.claude_session_id).toBe(task.claude_session_id);
      expect(ctx.model.requests.find((r) => r.script === 'text')?.sessionId).toBe(task.claude_session_id);
    });

    it('retries a failing post-back, and a post that keeps failing is recorded on the task, which still completes', async () => {
      const issue = 91;
      const res = await sendGithub(githubComment('@agent analyze [[script:text Done anyway.]] please', 'Codertocat', { issue }));
      expect(res.status).toBe(202);
      ctx.fakes.github.failNext(1, 502); // the 👀 reaction or the first post meets a 502 and is retried
      const task = await ctx.h.waitForTask(res.body.task_id);
      expect(task.status).toBe('completed');
      await eventually(() => callsTo(ctx.fakes.github, 'PATCH', /\/issues\/comments\/\d+$/).some((c) => String(c.body.body).includes('Done anyway.')));
      expect(ctx.fakes.github.calls.some((c) => c.status === 502)).toBe(true);

      const next = await sendGithub(githubComment('@agent analyze [[script:text Still fine.]] again', 'Codertocat', { issue: 92 }));
      ctx.fakes.github.failNext(40, 500); // GitHub is down for the whole run
      const second = await ctx.h.waitForTask(next.body.task_id);
      expect(second.status).toBe('completed');
      await eventually(async () => !!(await ctx.h.request('GET', `/api/tasks/${next.body.task_id}`)).body.post_back_error, 'the post-back error is recorded', 30_000);
      expect((await ctx.h.request('GET', `/api/tasks/${next.body.task_id}`)).body.post_back_error).toMatch(/GitHub .* failed: 500/);
      ctx.fakes.github.failNext(0, 500);
    });

    it('a fix from a non-maintainer waits for approval; approve runs it, reject cancels the next', async () => {
      const issue = 55;
      const res = await sendGithub(githubComment('@agent fix [[script:text Fixed.]] the bug', 'writer', { issue }));
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('waiting_approval');
      expect((await ctx.h.request('GET', `/api/tasks/${res.body.task_id}`)).body.status).toBe('waiting_approval');
      await eventually(() => callsTo(ctx.fakes.github, 'POST', new RegExp(`/issues/${issue}/comments$`)).some((c) => String(c.body.body).includes('approve')));

      const approve = await sendGithub(githubComment('@agent approve', 'Codertocat', { issue }));
      expect(approve).toMatchObject({ status: 200, body: { approved: res.body.task_id } });
      const fixed = await ctx.h.waitForTask(res.body.task_id);
      expect(fixed).toMatchObject({ status: 'completed', output: 'Fixed.', permission_mode: 'acceptEdits' });

      // GitHub sends no webhook for reactions: a 👍 on the approval comment from someone with write access approves.
      const byThumb = await sendGithub(githubComment('@agent fix [[script:text Fixed by thumb.]] more', 'writer', { issue: 56 }));
      expect(byThumb.body.status).toBe('waiting_approval');
      let approvalComment: number | undefined;
      await eventually(async () => {
        const posts = await ctx.h.services.repos.webhookEvents.postsForTask(byThumb.body.task_id);
        approvalComment = posts.map((p) => Number(p.external_id.replace('comment:', ''))).find(Boolean);
        return approvalComment !== undefined;
      });
      ctx.fakes.github.react(approvalComment!, 'reader', '+1'); // read access: does not count
      await new Promise((r) => setTimeout(r, 1000));
      expect((await ctx.h.request('GET', `/api/tasks/${byThumb.body.task_id}`)).body.status).toBe('waiting_approval');
      ctx.fakes.github.react(approvalComment!, 'Codertocat', '+1');
      expect(await ctx.h.waitForTask(byThumb.body.task_id)).toMatchObject({ status: 'completed', output: 'Fixed by thumb.' });

      const second = await sendGithub(githubComment('@agent fix [[script:text never]] again', 'writer', { issue }));
      expect(second.body.status).toBe('waiting_approval');
      const reject = await sendGithub(githubComment('@agent reject', 'Codertocat', { issue }));
      expect(reject).toMatchObject({ status: 200, body: { rejected: second.body.task_id } });
      expect((await ctx.h.request('GET', `/api/tasks/${second.body.task_id}`)).body).toMatchObject({ status: 'cancelled', error: 'rejected by Codertocat', started_at: null });
    });
  });

  it('stores every delivery with its verification result and what became of it', async () => {
    const events = await ctx.h.services.repos.webhookEvents.list({ limit: 500 });
    const outcomes = new Set(events.map((e) => e.outcome));
    for (const o of ['accepted', 'duplicate', 'verification_failed', 'ignored', 'refused', 'answered', 'approved', 'rejected']) {
      if (o !== 'duplicate') expect(outcomes, o).toContain(o);
    }
    const stored = JSON.stringify(events.map((e) => e.headers));
    expect(stored).not.toMatch(/x-hub-signature|x-slack-signature|sentry-hook-signature/);
  });
});

describe('webhooks without a configured secret', () => {
  it('fail closed with 401 naming the setting', async () => {
    const model = await startScriptedModel();
    const h = await startHarness({ model });
    try {
      for (const [provider, setting] of [['github', 'GITHUB_WEBHOOK_SECRET'], ['slack', 'SLACK_SIGNING_SECRET'], ['jira', 'JIRA_WEBHOOK_SECRET'], ['sentry', 'SENTRY_CLIENT_SECRET'], ['gitlab', 'GITLAB_WEBHOOK_SECRET']]) {
        const res = await fetch(`${h.url}/webhooks/${provider}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: string }).error).toContain(setting);
      }
      expect((await fetch(`${h.url}/webhooks/bitbucket`, { method: 'POST', body: '{}' })).status).toBe(404);
    } finally {
      await h.close();
      await model.close();
    }
  });
});
