// After the run: what became of the pull and merge requests the service opened, from the code host's own deliveries
// (merged, closed, reopened, new commits, CI), read by its adapter's `changeRequests.changes`
// (src/webhooks/providers/<name>/). Each updates the pull request's row and the copy its tasks show; deliveries
// about other pull requests change nothing.
import type { ChecksState, PullRequestState } from '../storage/repositories/pull-requests.js';
import type { Repositories } from '../storage/repositories/index.js';
import { adapterFor, isProvider } from '../webhooks/providers/index.js';

export type Change = { key: { repository: string } & ({ number: number } | { headSha: string }); patch: { state?: PullRequestState; checks?: ChecksState; head_sha?: string } };

/**
 * Follows the verified deliveries of a provider (WebhookIngest calls it before the rules): returns a note for the
 * delivery's record when it updated a pull request the service opened, else undefined.
 */
export function followPullRequests(repos: Repositories): (provider: string, headers: Record<string, string>, body: unknown) => Promise<string | undefined> {
  return async (provider, headers, body) => {
    const source = isProvider(provider) ? adapterFor(provider).changeRequests : undefined;
    if (!source) return undefined;
    const notes: string[] = [];
    for (const change of source.changes(headers, body)) {
      const row = await repos.pullRequests.update({ provider, ...change.key }, change.patch);
      if (row) notes.push(`${row.repository}${source.ref(row.number)}: ${row.state}${row.checks ? `, checks ${row.checks}` : ''}`);
    }
    return notes.length ? notes.join('; ') : undefined;
  };
}
