// GitLab as a code host: pushes with GITLAB_TOKEN (held by the service, sent to git for the one push), draft merge
// requests through @gitbeaker/rest. GitLab has no draft flag on create: a `Draft:` title makes one.
import type { GitlabTarget } from '../webhooks/providers/gitlab/target.js';
import { gitlabProjectSource } from '../webhooks/providers/gitlab/adapter.js';
import type { CodeHost, DeliveryDeps } from './code-host.js';

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
    noun: 'merge request',
    ref: (number) => `!${number}`,
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
