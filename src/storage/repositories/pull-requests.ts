import type { Kysely } from 'kysely';
import type { PullRequestView } from '../../contracts/task.js';
import { newId } from '../../domain/ids.js';
import type { Database, PullRequestRow } from '../schema.js';
import { transact } from './transact.js';

export type PullRequestState = PullRequestView['state'];
export type ChecksState = NonNullable<PullRequestView['checks']>;

/** What opening a pull request records: the row but its id, state, checks and times (the repository sets those). */
export type NewPullRequest = Pick<PullRequestRow, 'provider' | 'repository' | 'number' | 'url' | 'branch' | 'base' | 'head_sha' | 'task_id' | 'flow_id' | 'agent' | 'command'>;

/** What the task view shows of a pull request (copied onto each task linked to it). */
export function pullRequestView(row: PullRequestRow): PullRequestView {
  return {
    provider: row.provider,
    repository: row.repository,
    number: Number(row.number),
    url: row.url,
    branch: row.branch,
    state: row.state as PullRequestState,
    checks: (row.checks as ChecksState | null) ?? null,
  };
}

/**
 * The pull requests the service opened, and the tasks linked to them. Every write that changes a pull request's
 * state rewrites the copy its tasks show, in the same transaction.
 */
export class PullRequestRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records a pull request the task's run opened and links the task to it. */
  async opened(input: NewPullRequest, now = Date.now()): Promise<PullRequestRow> {
    return transact(this.db, async (trx) => {
      const row = await trx
        .insertInto('pull_requests')
        .values({ pr_id: newId('pr'), ...input, state: 'open', checks: null, created_at: now, updated_at: now, closed_at: null })
        .returningAll()
        .executeTakeFirstOrThrow();
      await new PullRequestRepository(trx).link(input.task_id, row);
      return row;
    });
  }

  /** A later task's run pushed to this pull request's branch: the task shows it too. */
  async link(taskId: string, row: PullRequestRow): Promise<void> {
    await this.db
      .updateTable('tasks')
      .set({ pull_request_id: row.pr_id, pull_request: JSON.stringify(pullRequestView(row)) })
      .where('task_id', '=', taskId)
      .execute();
  }

  async find(provider: string, repository: string, number: number): Promise<PullRequestRow | undefined> {
    return this.db
      .selectFrom('pull_requests')
      .selectAll()
      .where('provider', '=', provider)
      .where('repository', '=', repository)
      .where('number', '=', number)
      .executeTakeFirst();
  }

  /** How many branches the flow has had (names its next one). */
  async countInFlow(flowId: string): Promise<number> {
    const row = await this.db.selectFrom('pull_requests').select((eb) => eb.fn.countAll<number>().as('n')).where('flow_id', '=', flowId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * Updates what became of a pull request (by number, or by the head commit for CI deliveries that name no pull
   * request) and the copy its tasks show. Returns the updated row, or undefined when the service did not open it.
   */
  async update(
    key: { provider: string; repository: string } & ({ number: number } | { headSha: string }),
    patch: { state?: PullRequestState; checks?: ChecksState; head_sha?: string },
    now = Date.now(),
  ): Promise<PullRequestRow | undefined> {
    return transact(this.db, async (trx) => {
      let query = trx.updateTable('pull_requests').set({
        ...patch,
        updated_at: now,
        ...(patch.state && patch.state !== 'open' ? { closed_at: now } : {}),
      });
      query = query.where('provider', '=', key.provider).where('repository', '=', key.repository);
      query = 'number' in key ? query.where('number', '=', key.number) : query.where('head_sha', '=', key.headSha);
      const rows = await query.returningAll().execute();
      for (const row of rows) {
        await trx.updateTable('tasks').set({ pull_request: JSON.stringify(pullRequestView(row)) }).where('pull_request_id', '=', row.pr_id).execute();
      }
      return rows[0];
    });
  }

  /** Counts per agent and command and state, for the merge rate. */
  async countsByAgentAndCommand(): Promise<Array<{ agent: string | null; command: string | null; state: string; n: number }>> {
    const rows = await this.db
      .selectFrom('pull_requests')
      .select(['agent', 'command', 'state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['agent', 'command', 'state'])
      .execute();
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }
}
