// After the run, on GitHub: what became of the pull requests the service opened, from GitHub's own deliveries —
// `pull_request` (closed, merged, reopened, new commits), `check_suite` (completed, requested) and `status` (a commit
// status). Shaped as src/delivery/pull-request-events.ts's changes, which applies them.
import { z } from 'zod';
import type { Change } from '../../../delivery/pull-request-events.js';
import type { ChecksState } from '../../../storage/repositories/pull-requests.js';

const Repository = z.object({ full_name: z.string() });
const PullRequestEvent = z.object({
  action: z.string(),
  repository: Repository,
  pull_request: z.object({ number: z.number().int(), merged: z.boolean().nullish(), head: z.object({ sha: z.string() }).optional() }),
});
const CheckSuiteEvent = z.object({
  action: z.string(),
  repository: Repository,
  check_suite: z.object({
    head_sha: z.string(),
    conclusion: z.string().nullish(),
    pull_requests: z.array(z.object({ number: z.number().int() })).optional(),
  }),
});
const StatusEvent = z.object({ repository: Repository, sha: z.string(), state: z.string() });

const FAILED = new Set(['failure', 'timed_out', 'cancelled', 'action_required', 'startup_failure', 'stale']);

/** What a GitHub delivery says about a pull request's state, or undefined when it says nothing the service keeps. */
export function pullRequestChange(eventName: string, body: unknown): Change[] {
  if (eventName === 'pull_request') {
    const e = PullRequestEvent.safeParse(body);
    if (!e.success) return [];
    const key = { repository: e.data.repository.full_name, number: e.data.pull_request.number };
    const head = e.data.pull_request.head?.sha;
    if (e.data.action === 'closed') return [{ key, patch: { state: e.data.pull_request.merged ? 'merged' : 'closed' } }];
    if (e.data.action === 'reopened') return [{ key, patch: { state: 'open' } }];
    if (e.data.action === 'synchronize' && head) return [{ key, patch: { head_sha: head, checks: 'pending' } }];
    return [];
  }
  if (eventName === 'check_suite') {
    const e = CheckSuiteEvent.safeParse(body);
    if (!e.success) return [];
    const { check_suite: suite, repository } = e.data;
    const checks: ChecksState | undefined =
      e.data.action === 'completed' ? (FAILED.has(suite.conclusion ?? '') ? 'failure' : 'success') : ['requested', 'rerequested'].includes(e.data.action) ? 'pending' : undefined;
    if (!checks) return [];
    const numbers = suite.pull_requests?.map((p) => p.number) ?? [];
    if (numbers.length) return numbers.map((number) => ({ key: { repository: repository.full_name, number }, patch: { checks } }));
    return [{ key: { repository: repository.full_name, headSha: suite.head_sha }, patch: { checks } }];
  }
  if (eventName === 'status') {
    const e = StatusEvent.safeParse(body);
    if (!e.success) return [];
    const checks: ChecksState = e.data.state === 'success' ? 'success' : e.data.state === 'pending' ? 'pending' : 'failure';
    return [{ key: { repository: e.data.repository.full_name, headSha: e.data.sha }, patch: { checks } }];
  }
  return [];
}
