// GitHub as a code host: pushes with GITHUB_TOKEN or an App installation token minted for that one push (contents:
// write on that one repository), draft pull requests and line reviews through the service's Octokit client.
import { changeRequestRef } from '../../../contracts/webhook-commands.js';
import type { CodeHost, DeliveryDeps } from '../../../delivery/code-host.js';
import type { ChangeRequests } from '../adapter.js';
import { githubCheckoutSource } from './checkout.js';
import { pullRequestChange } from './pull-request-events.js';
import { postReview } from './review.js';

/** GitHub's pull requests: '#7', and what its `pull_request`, `check_suite` and `status` deliveries say of them. */
export const PULL_REQUESTS: ChangeRequests = {
  noun: 'pull request',
  ref: (number) => changeRequestRef('github', number),
  changes: (headers, body) => pullRequestChange(headers['x-github-event'] ?? '', body),
};

/** A GitHub repository the service may push to. */
export interface GithubRepository {
  owner: string;
  repo: string;
  /** The App installation to act as (App auth); looked up from the repository when absent. */
  installationId?: number;
}

export function githubHost(deps: DeliveryDeps, repository: GithubRepository, pullNumber?: number): CodeHost {
  const github = deps.clients.github;
  const fullName = `${repository.owner}/${repository.repo}`;
  const missing = 'no GitHub credentials to open a pull request with (GITHUB_TOKEN or GITHUB_APP_ID)';
  const need = () => {
    if (!github) throw new Error(missing);
    return github;
  };
  return {
    provider: 'github',
    repository: fullName,
    delivers: deps.config.GITHUB_PULL_REQUESTS,
    unavailable: github ? undefined : missing,
    threadNumber: pullNumber,
    noun: PULL_REQUESTS.noun,
    ref: PULL_REQUESTS.ref,
    pushSource: () => githubCheckoutSource(deps.config, { ...repository, issueNumber: 0, isPullRequest: false }, 'push'),
    async headBranch(number) {
      const pr = await need().getPullRequest({ ...repository, pullNumber: number });
      return pr.headRepository?.toLowerCase() === fullName.toLowerCase() ? pr.headRef : undefined;
    },
    async openDraft({ head, base, title, body }) {
      const opened = await need().createPullRequest({ ...repository, head, base, title, body, draft: true });
      return { number: opened.number, url: opened.html_url };
    },
    async review(task) {
      if (github && pullNumber !== undefined) await postReview(github, task, repository, pullNumber);
    },
  };
}
