import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.js';
import { prepared } from '../prepared.js';
import type { Database, WebhookCommandRow, WebhookConfigRow } from '../schema.js';

export interface CommandFields {
  name: string;
  trigger: string;
  aliases: string[];
  description: string | null;
  conditions: unknown;
  action: string;
  agent: string | null;
  template: string | null;
  options: Record<string, unknown> | null;
  priority: number;
  permissions: Record<string, unknown> | null;
  /** Stored as 0, 1, or 2 for 'non-maintainers'. */
  needs_approval: boolean | 'non-maintainers';
  stop_after_match: boolean;
  enabled: boolean;
  /** A cron expression; null: the rule runs on deliveries only. */
  schedule?: string | null;
}

// Read for every delivery (its route's rules), so compiled once (../prepared.ts).
const configById = prepared<{ id: string }>()((db, value) => db.selectFrom('webhook_configs').selectAll().where('webhook_id', '=', value('id')));
const commandsOf = prepared<{ webhookId: string }>()((db, value) =>
  db.selectFrom('webhook_commands').selectAll().where('webhook_id', '=', value('webhookId')).orderBy('priority').orderBy('created_at').orderBy('command_id'),
);

const toRow = (f: Partial<CommandFields>) => ({
  ...(f.name !== undefined ? { name: f.name } : {}),
  ...(f.trigger !== undefined ? { trigger: f.trigger } : {}),
  ...(f.aliases !== undefined ? { aliases: JSON.stringify(f.aliases) } : {}),
  ...(f.description !== undefined ? { description: f.description } : {}),
  ...(f.conditions !== undefined ? { conditions: f.conditions === null ? null : JSON.stringify(f.conditions) } : {}),
  ...(f.action !== undefined ? { action: f.action } : {}),
  ...(f.agent !== undefined ? { agent: f.agent } : {}),
  ...(f.template !== undefined ? { template: f.template } : {}),
  ...(f.options !== undefined ? { options: f.options === null ? null : JSON.stringify(f.options) } : {}),
  ...(f.priority !== undefined ? { priority: f.priority } : {}),
  ...(f.permissions !== undefined ? { permissions: f.permissions === null ? null : JSON.stringify(f.permissions) } : {}),
  ...(f.needs_approval !== undefined ? { needs_approval: f.needs_approval === 'non-maintainers' ? 2 : f.needs_approval ? 1 : 0 } : {}),
  ...(f.stop_after_match !== undefined ? { stop_after_match: f.stop_after_match ? 1 : 0 } : {}),
  ...(f.enabled !== undefined ? { enabled: f.enabled ? 1 : 0 } : {}),
  ...(f.schedule !== undefined ? { schedule: f.schedule } : {}),
});

/** Told after a webhook secret was created, rotated (`added`: the new value) or deleted. */
export type SecretChangeListener = (added?: string) => void;

/** Dynamic webhook configs and their commands; `static:<provider>` rows hold users' additions to the built-in routes. */
export class WebhookConfigRepository {
  private readonly secretListeners: SecretChangeListener[] = [];

  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Every write that creates, rotates or deletes a secret is reported here, whichever path made it (the API, the
   * management tools, a skill's webhook_config), so the redactor can never miss one.
   */
  onSecretChange(listener: SecretChangeListener): void {
    this.secretListeners.push(listener);
  }

  private secretChanged(added?: string): void {
    for (const listener of this.secretListeners) listener(added);
  }

  /** Every dynamic webhook's secret (the built-in routes' rows have none: theirs are settings). */
  async secrets(): Promise<string[]> {
    const rows = await this.db.selectFrom('webhook_configs').select('secret').where('secret', '!=', '').execute();
    return rows.map((r) => r.secret);
  }

  async create(input: { webhook_id?: string; name: string; provider: string; secret: string; trigger_phrase?: string | null }, now = Date.now()): Promise<WebhookConfigRow> {
    const row = await this.db
      .insertInto('webhook_configs')
      .values({
        webhook_id: input.webhook_id ?? newId('wh'),
        name: input.name,
        provider: input.provider,
        secret: input.secret,
        trigger_phrase: input.trigger_phrase ?? null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (row.secret) this.secretChanged(row.secret);
    return row;
  }

  async get(id: string): Promise<WebhookConfigRow | undefined> {
    return (await configById.execute(this.db, { id })).rows[0];
  }

  list(): Promise<WebhookConfigRow[]> {
    return this.db.selectFrom('webhook_configs').selectAll().where('webhook_id', 'not like', 'static:%').orderBy('created_at', 'desc').execute();
  }

  async update(id: string, patch: { name?: string; enabled?: boolean; secret?: string; trigger_phrase?: string | null }, now = Date.now()) {
    const row = await this.db
      .updateTable('webhook_configs')
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : {}),
        ...(patch.secret !== undefined ? { secret: patch.secret } : {}),
        ...(patch.trigger_phrase !== undefined ? { trigger_phrase: patch.trigger_phrase } : {}),
        updated_at: now,
      })
      .where('webhook_id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (row && patch.secret) this.secretChanged(patch.secret);
    return row;
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('webhook_commands').where('webhook_id', '=', id).execute();
      const res = await trx.deleteFrom('webhook_configs').where('webhook_id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
    if (deleted) this.secretChanged();
    return deleted;
  }

  async countCommands(): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('webhook_commands').select(['webhook_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('webhook_id').execute();
    return Object.fromEntries(rows.map((r) => [r.webhook_id, Number(r.n)]));
  }

  /** Commands in the order they run: priority, then age. */
  async commands(webhookId: string): Promise<WebhookCommandRow[]> {
    return (await commandsOf.execute(this.db, { webhookId })).rows;
  }

  getCommand(webhookId: string, commandId: string): Promise<WebhookCommandRow | undefined> {
    return this.db.selectFrom('webhook_commands').selectAll().where('webhook_id', '=', webhookId).where('command_id', '=', commandId).executeTakeFirst();
  }

  async createCommand(webhookId: string, fields: CommandFields, now = Date.now()): Promise<WebhookCommandRow> {
    return this.db
      .insertInto('webhook_commands')
      .values({ command_id: newId('cmd'), webhook_id: webhookId, ...toRow(fields), name: fields.name, trigger: fields.trigger, action: fields.action, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async updateCommand(webhookId: string, commandId: string, fields: Partial<CommandFields>, now = Date.now()) {
    return this.db
      .updateTable('webhook_commands')
      .set({ ...toRow(fields), updated_at: now })
      .where('webhook_id', '=', webhookId)
      .where('command_id', '=', commandId)
      .returningAll()
      .executeTakeFirst();
  }

  /** Enabled rules with a schedule, on enabled webhooks (a built-in route's row counts as enabled), with their provider. */
  async scheduledCommands(): Promise<Array<WebhookCommandRow & { provider: string }>> {
    return this.db
      .selectFrom('webhook_commands')
      .innerJoin('webhook_configs', 'webhook_configs.webhook_id', 'webhook_commands.webhook_id')
      .selectAll('webhook_commands')
      .select('webhook_configs.provider')
      .where('webhook_commands.schedule', 'is not', null)
      .where('webhook_commands.enabled', '=', 1)
      .where((eb) => eb.or([eb('webhook_configs.enabled', '=', 1), eb('webhook_configs.webhook_id', 'like', 'static:%')]))
      .execute();
  }

  async deleteCommand(webhookId: string, commandId: string): Promise<boolean> {
    const res = await this.db.deleteFrom('webhook_commands').where('webhook_id', '=', webhookId).where('command_id', '=', commandId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
