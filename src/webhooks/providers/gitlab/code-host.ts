// GitLab as a code host: pushes with GITLAB_TOKEN (held by the service, sent to git for the one push), draft merge
// requests through @gitbeaker/rest. GitLab has no draft flag on create: a `Draft:` title makes one.
import type { Config } from '../../../config.js';
import { changeRequestRef } from '../../../contracts/webhook-commands.js';
import type { CodeHost, DeliveryDeps } from '../../../delivery/code-host.js';
import type { ChangeRequests, CheckoutSource } from '../adapter.js';
import { mergeRequestChange } from './merge-request-events.js';
import type { GitlabTarget } from './target.js';

/** GitLab's merge requests: '!7', and what its Merge Request and Pipeline Hooks say of them. */
export const MERGE_REQUESTS: ChangeRequests = {
  noun: 'merge request',
  ref: (number) => changeRequestRef('gitlab', number),
  changes: (headers, body) => mergeRequestChange(headers['x-gitlab-event'] ?? '', body),
};

/**
 * A GitLab project's repository with GITLAB_TOKEN as git's credential (over http(s)): what a task checks out, and
 * where the service pushes a run's changes (the same URL, so the same mirror).
 */
export function gitlabProjectSource(config: Config, projectPath: string): CheckoutSource {
  const url = `${(config.GITLAB_CLONE_URL ?? config.GITLAB_URL).replace(/\/+$/, '')}/${projectPath}.git`;
  const token = /^https?:/.test(url) ? config.GITLAB_TOKEN : undefined;
  return {
    url,
    label: projectPath,
    secrets: token ? [token] : [],
    // GitLab takes any user name with an access token as the password; oauth2 is the one its docs use.
    ...(token && { authorization: `Basic ${Buffer.from(`oauth2:${token}`).toString('base64')}` }),
  };
}

export function gitlabHost(deps: DeliveryDeps, target: GitlabTarget): CodeHost {
  const gitlab = deps.clients.gitlab;
  const missing = 'no GitLab token to open a merge request with (GITLAB_TOKEN)';
  const need = () => {
    if (!gitlab) throw new Error(missing);
    return gitlab;
  };
  return {
    provider: 'gitlab',
    repository: target.projectPath,
    delivers: deps.config.GITLAB_MERGE_REQUESTS,
    unavailable: gitlab ? undefined : missing,
    threadNumber: target.noteable === 'merge_request' ? target.iid : undefined,
    noun: MERGE_REQUESTS.noun,
    ref: MERGE_REQUESTS.ref,
    pushSource: async () => gitlabProjectSource(deps.config, target.projectPath),
    async headBranch(iid) {
      const mr = await need().mergeRequest({ projectId: target.projectId, iid });
      return mr.sourceProjectId === target.projectId ? mr.sourceBranch : undefined;
    },
    async openDraft({ head, base, title, body }) {
      const draft = `Draft: ${title}`;
      const mr = await need().createMergeRequest({ projectId: target.projectId, sourceBranch: head, targetBranch: base, title: draft, description: body });
      return { number: mr.iid, url: mr.webUrl };
    },
  };
}
