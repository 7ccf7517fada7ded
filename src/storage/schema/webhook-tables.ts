import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Flag, Json } from './columns.js';

// Webhook endpoints, their commands, the deliveries received and what the service posted back.

export interface WebhookConfigTable {
  webhook_id: string;
  name: string;
  provider: string;
  secret: string;
  enabled: Generated<Flag>;
  trigger_phrase: string | null;
  created_at: number;
  updated_at: number;
}

export type WebhookConfigRow = Selectable<WebhookConfigTable>;

export interface WebhookCommandTable {
  command_id: string;
  webhook_id: string;
  name: string;
  /** Event type(s) the command runs on, comma-separated ('issues.opened', 'app_mention', '*' for any). */
  trigger: string;
  aliases: Json | null;
  description: string | null;
  /** Action settings: { labels } for github_label, { reaction } for github_reaction, { channel } for slack_message. */
  options: Json | null;
  conditions: Json | null;
  action: string;
  agent: string | null;
  template: string | null;
  priority: Generated<number>;
  permissions: Json | null;
  needs_approval: Generated<Flag>;
  stop_after_match: Generated<Flag>;
  enabled: Generated<Flag>;
  /** A cron expression: the rule also fires on this schedule, each slot once (ScheduleFiringTable). */
  schedule: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: number;
  updated_at: number;
}

export type WebhookCommandRow = Selectable<WebhookCommandTable>;

export interface WebhookEventTable {
  event_id: string;
  webhook_id: string | null;
  provider: string;
  event_type: string | null;
  delivery_id: string | null;
  /**
   * sha256 of `<endpoint>:<delivery id>`, unique: a redelivery to the same endpoint is recognised and creates nothing.
   * Set only on a delivery that has its outcome (never on one answered 5xx), in the transaction that stores it.
   */
  dedup_key: string | null;
  /** sha256 of the endpoint and the raw signed body, unique like dedup_key: the same body under a new id is a replay. */
  body_key: string | null;
  headers: Json;
  payload: string;
  verified: Flag;
  verification_error: string | null;
  matched_command: string | null;
  explanation: Json | null;
  rendered_prompt: string | null;
  task_id: string | null;
  outcome: string;
  status_code: number;
  replay_of: string | null;
  created_at: number;
}

export type WebhookEventRow = Selectable<WebhookEventTable>;

/** Unsigned webhook posts per provider: counted for ever, while only the newest few are kept as rows. */
export interface WebhookUnverifiedCountTable {
  provider: string;
  n: number;
  last_at: number;
}

/** What the service itself posted (comments, messages), so deliveries about its own posts never trigger it. */
export interface OutboundPostTable {
  provider: string;
  external_id: string;
  task_id: string | null;
  created_at: number;
}

/** A thread linked into another thread's flow (migration 0008); see src/flows/. */
export interface FlowLinkTable {
  external_id: string;
  flow_id: string;
  via: string;
  task_id: string | null;
  created_at: number;
}

export type FlowLinkRow = Selectable<FlowLinkTable>;

/** A delivery whose tasks wait for its sender's permission, looked up off the request (migration 0011). */
export interface PermissionWaitTable {
  event_id: string;
  provider: string;
  /** The delivery's event without its payload. JSON. */
  event: Json;
  /** What to do with each task once the permission is known. JSON. */
  plan: Json;
  created_at: number;
  claimed_until: number | null;
  attempts: Generated<number>;
  last_error: string | null;
}

export type PermissionWaitRow = Selectable<PermissionWaitTable>;
