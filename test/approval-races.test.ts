// Approval decided once, wherever it comes from: the dashboard's approve on a task that already runs is a 409 naming
// its status (and the run goes on undisturbed), and two workers' GitHub 👍 pollers approving the same task give one
// queued task, one run and one "Approved by" comment. On SQLite (embedded) and on PostgreSQL + Redis (distributed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskService } from '../src/tasks/task-service.js';
import { ApprovalPoller } from '../src/webhooks/providers/github/approval-poller.js';
import { startHarness, type Harness } from './support/harness.js';
import { type FakeGithub, startFakeGithub } from './support/fake-providers.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { hasPostgres, hasRedis } from './support/services.js';
import { githubIssueComment } from './support/send-webhook.js';
import { signGithub } from './support/signing.js';
import { eventually } from './support/eventually.js';

const SECRET = 'gh-secret';
let deliveries = 0;

const setups = [
  { name: 'SQLite, embedded queue', distributed: false, skip: false },
  { name: 'PostgreSQL + Redis', distributed: true, skip: !hasPostgres || !hasRedis },
] as const;

for (const setup of setups) {
  describe.skipIf(setup.skip)(`approval decided once (${setup.name})`, () => {
    let model: ScriptedModel;
    let github: FakeGithub;
    let h: Harness;

    beforeAll(async () => {
      model = await startScriptedModel();
      github = await startFakeGithub({ permissions: { Codertocat: 'admin', writer: 'write' } });
      h = await startHarness({
        model,
        distributed: setup.distributed,
        env: {
          GITHUB_WEBHOOK_SECRET: SECRET,
          GITHUB_TOKEN: 'ghp_test_token',
          GITHUB_API_URL: github.url,
          APPROVAL_POLL_SECONDS: '0', // the service's own poller is off: the tests run two pollers by hand
        },
      });
    });
    afterAll(async () => {
      await h?.close();
      await github?.close();
      await model?.close();
    });

    const task = async (id: string) => (await h.request('GET', `/api/tasks/${id}`)).body;

    it('POST /api/tasks/{id}/approve on a running task is 409 naming its status; the run finishes once', async () => {
      const waiting = await h.services.tasks.create({
        session_id: 'sess-approve',
        source: 'dashboard',
        input_message: 'Fix it [[script:slow 3000 Fixed once.]]',
        needs_approval: true,
      });
      const first = await h.request('POST', `/api/tasks/${waiting.task_id}/approve`);
      expect(first.status).toBe(200);
      expect(first.body.status).toBe('queued');
      await h.waitForTask(waiting.task_id, ['running']);

      const again = await h.request('POST', `/api/tasks/${waiting.task_id}/approve`);
      expect(again.status).toBe(409);
      expect(again.body.error).toContain('running');
      expect((await task(waiting.task_id)).status).toBe('running');

      const done = await h.waitForTask(waiting.task_id);
      expect(done).toMatchObject({ status: 'completed', output: 'Fixed once.', attempts: 1 });
      const missing = await h.request('POST', '/api/tasks/task_nope/approve');
      expect(missing.status).toBe(404);
    });

    it("two pollers see the same 👍: one approval, one run, one comment (the second poller's approve is held until the task runs, to force the race)", async () => {
      const issue = 300 + ++deliveries;
      const body = JSON.stringify(githubIssueComment(issue, 'writer', '@agent fix [[script:slow 3000 Fixed by thumb.]] the bug'));
      const res = await fetch(`${h.url}/webhooks/github`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'issue_comment', 'x-github-delivery': `d-${Date.now()}-${deliveries}`, 'x-hub-signature-256': signGithub(SECRET, body) },
        body,
      });
      const accepted = (await res.json()) as { task_id: string; status: string };
      expect(accepted.status).toBe('waiting_approval');
      const taskId = accepted.task_id;
      let approvalComment: number | undefined;
      await eventually(async () => {
        const posts = await h.services.repos.webhookEvents.postsForTask(taskId);
        approvalComment = posts.map((p) => Number(p.external_id.replace('comment:', ''))).find(Boolean);
        return approvalComment !== undefined;
      }, 'the approval request is posted');
      github.react(approvalComment!, 'Codertocat', '+1');

      const { repos, clients, log, tasks } = h.services;
      const first = new ApprovalPoller({ repos, tasks, clients, log }, 0);
      // The second worker's poller listed the task while it was still waiting; its approve lands once the first
      // approval has been claimed and the task runs.
      const late: Pick<TaskService, 'approve'> = {
        approve: async (id: string) => {
          await eventually(async () => (await task(id)).status === 'running', 'the approved task runs');
          return tasks.approve(id);
        },
      };
      const second = new ApprovalPoller({ repos, tasks: late as TaskService, clients, log }, 0);
      const approved = (await Promise.all([first.poll(), second.poll()])).flat();
      expect(approved).toEqual([taskId]);

      const done = await h.waitForTask(taskId);
      expect(done).toMatchObject({ status: 'completed', output: 'Fixed by thumb.', attempts: 1 });
      const comments = github.calls.filter((c) => c.method === 'POST' && new RegExp(`/issues/${issue}/comments$`).test(c.path));
      expect(comments.filter((c) => String(c.body.body).startsWith('Approved by'))).toHaveLength(1);
      const inits = (await h.request('GET', `/api/tasks/${taskId}/events?after=0`)).body.events.filter((e: any) => e.item.kind === 'init');
      expect(inits).toHaveLength(1);
    });
  });
}
