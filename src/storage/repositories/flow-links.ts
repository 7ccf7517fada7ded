import type { Kysely } from 'kysely';
import { prepared } from '../prepared.js';
import type { Database, FlowLinkRow } from '../schema.js';

const threadFlowsOf = prepared<{ externalId: string }>()((db, value) =>
  db.selectNoFrom((eb) => [
    eb.selectFrom('flow_links').select('flow_id').where('external_id', '=', value('externalId')).as('linked'),
    eb
      .selectFrom('tasks')
      .select('flow_id')
      .where('external_id', '=', value('externalId'))
      .where('flow_id', 'is not', null)
      .orderBy('created_at', 'desc')
      .limit(1)
      .as('of_tasks'),
  ]),
);

export type FlowLinkVia = 'mention' | 'continue' | 'opened';

/** Threads linked into another thread's flow (src/flows/): one row per linked thread. */
export class FlowLinkRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(externalId: string): Promise<FlowLinkRow | undefined> {
    return this.db.selectFrom('flow_links').selectAll().where('external_id', '=', externalId).executeTakeFirst();
  }

  /** Links the thread into `flowId`; a thread already linked moves to the new flow (the newest link wins). */
  async link(input: { external_id: string; flow_id: string; via: FlowLinkVia; task_id?: string | null }, now = Date.now()): Promise<void> {
    const row = { ...input, task_id: input.task_id ?? null, created_at: now };
    await this.db
      .insertInto('flow_links')
      .values(row)
      .onConflict((oc) => oc.column('external_id').doUpdateSet({ flow_id: row.flow_id, via: row.via, task_id: row.task_id, created_at: now }))
      .execute();
  }

  /** The threads linked into a flow, oldest first. */
  async forFlow(flowId: string, limit = 100): Promise<FlowLinkRow[]> {
    return this.db.selectFrom('flow_links').selectAll().where('flow_id', '=', flowId).orderBy('created_at').orderBy('external_id').limit(limit).execute();
  }

  /**
   * Both of a thread's flows in one statement (every delivery that creates a task asks): the one it is linked into,
   * and the flow of the newest task it has caused.
   */
  async threadFlows(externalId: string): Promise<{ linked: string | undefined; ofTasks: string | undefined }> {
    const row = (await threadFlowsOf.execute(this.db, { externalId })).rows[0];
    return { linked: row?.linked ?? undefined, ofTasks: row?.of_tasks ?? undefined };
  }

  /** The flow of the newest task a thread has caused, when the service has seen the thread at all. */
  async flowOfThreadTasks(externalId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('tasks')
      .select('flow_id')
      .where('external_id', '=', externalId)
      .where('flow_id', 'is not', null)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.flow_id ?? undefined;
  }

  /**
   * Every thread of a flow: those linked into it, and those whose tasks ran in it (its first thread has no link row)
   * unless linked away since.
   */
  async threadsOf(flowId: string, limit = 100): Promise<string[]> {
    const linked = await this.forFlow(flowId, limit);
    const ran = await this.db
      .selectFrom('tasks')
      .leftJoin('flow_links', 'flow_links.external_id', 'tasks.external_id')
      .select('tasks.external_id')
      .distinct()
      .where('tasks.flow_id', '=', flowId)
      .where('tasks.external_id', 'is not', null)
      .where((eb) => eb.or([eb('flow_links.flow_id', 'is', null), eb('flow_links.flow_id', '=', flowId)]))
      .limit(limit)
      .execute();
    return [...new Set([...ran.map((r) => r.external_id!), ...linked.map((l) => l.external_id)])];
  }

  /** The source_metadata of a thread's newest task (where its replies go), when it has one. */
  async latestMetadataOf(externalId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('tasks')
      .select('source_metadata')
      .where('external_id', '=', externalId)
      .where('source_metadata', 'is not', null)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.source_metadata ?? undefined;
  }

  /** Whether any task belongs to the flow (a flow id someone names must exist). */
  async flowExists(flowId: string): Promise<boolean> {
    const row = await this.db.selectFrom('tasks').select('task_id').where('flow_id', '=', flowId).limit(1).executeTakeFirst();
    return row !== undefined;
  }
}
