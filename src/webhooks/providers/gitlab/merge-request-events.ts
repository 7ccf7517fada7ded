// After the run, on GitLab: what became of the merge requests the service opened, from GitLab's own hooks — a Merge
// Request Hook (merged, closed, reopened, new commits) and a Pipeline Hook (the pipeline of a merge request or of its
// head commit). Shaped as pull-request-events.ts's changes, so one follower applies both.
import { z } from 'zod';
import type { Change } from '../../../delivery/pull-request-events.js';
import type { ChecksState } from '../../../storage/repositories/pull-requests.js';

const Project = z.object({ path_with_namespace: z.string() });
const MergeRequestHook = z.object({
  object_kind: z.literal('merge_request'),
  project: Project,
  object_attributes: z.object({
    iid: z.number().int(),
    action: z.string().optional(),
    oldrev: z.string().optional(),
    last_commit: z.object({ id: z.string() }).optional(),
  }),
});
const PipelineHook = z.object({
  object_kind: z.literal('pipeline'),
  project: Project,
  object_attributes: z.object({ status: z.string(), sha: z.string() }),
  merge_request: z.object({ iid: z.number().int() }).nullish(),
});

const CHECKS: Record<string, ChecksState> = {
  success: 'success',
  failed: 'failure',
  canceled: 'failure',
  created: 'pending',
  waiting_for_resource: 'pending',
  preparing: 'pending',
  pending: 'pending',
  running: 'pending',
};

/** What a GitLab hook says about a merge request's state; [] when it says nothing the service keeps. */
export function mergeRequestChange(eventName: string, body: unknown): Change[] {
  if (eventName === 'Merge Request Hook') {
    const e = MergeRequestHook.safeParse(body);
    if (!e.success) return [];
    const { iid, action, oldrev, last_commit: head } = e.data.object_attributes;
    const key = { repository: e.data.project.path_with_namespace, number: iid };
    if (action === 'merge') return [{ key, patch: { state: 'merged' } }];
    if (action === 'close') return [{ key, patch: { state: 'closed' } }];
    if (action === 'reopen') return [{ key, patch: { state: 'open' } }];
    // An update that moved the source branch carries the previous head in `oldrev`.
    if (action === 'update' && oldrev && head) return [{ key, patch: { head_sha: head.id, checks: 'pending' } }];
    return [];
  }
  if (eventName === 'Pipeline Hook') {
    const e = PipelineHook.safeParse(body);
    if (!e.success) return [];
    const checks = CHECKS[e.data.object_attributes.status];
    if (!checks) return [];
    const repository = e.data.project.path_with_namespace;
    const mr = e.data.merge_request?.iid;
    return [{ key: mr !== undefined ? { repository, number: mr } : { repository, headSha: e.data.object_attributes.sha }, patch: { checks } }];
  }
  return [];
}
