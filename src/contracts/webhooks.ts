import { z } from 'zod';
import { TASK_STATUSES } from '../domain/task-status.js';
import { Command, DYNAMIC_PROVIDERS, StaticRoute } from './webhook-commands.js';

export const WebhookCreate = z
  .object({
    name: z.string().trim().min(1).max(200),
    provider: z.enum(DYNAMIC_PROVIDERS),
    secret: z.string().min(16, 'must be at least 16 characters').max(256).optional(),
    enabled: z.boolean().default(true),
  })
  .meta({ title: 'webhook' });
export const WebhookPatch = z
  .object({ name: z.string().trim().min(1).max(200).optional(), enabled: z.boolean().optional(), rotate_secret: z.literal(true).optional() })
  .refine((p) => Object.keys(p).length > 0, 'nothing to change: send name, enabled or rotate_secret')
  .meta({ title: 'webhook' });
export const StaticPatch = z.object({ trigger_phrase: z.string().trim().min(2).max(50).nullable() }).meta({ title: 'route' });
export const DeliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), before: z.coerce.number().int().positive().optional() });
export const DryRun = z
  .object({ payload: z.unknown().refine((p) => p !== undefined, 'required'), headers: z.record(z.string(), z.string()).default({}), event_type: z.string().max(100).optional() })
  .meta({ title: 'dry run' });

export const WebhookParams = z.object({ id: z.string().min(1).max(200) });
export const CommandParams = WebhookParams.extend({ cid: z.string().min(1).max(200) });
export const DeliveryParams = WebhookParams.extend({ eid: z.string().min(1).max(200) });
/** Any name: an unknown provider is a 404 naming the built-in routes. */
export const StaticParams = z.object({ provider: z.string().min(1).max(100) });
export const StaticCommandParams = StaticParams.extend({ name: z.string().min(1).max(200) });
export const StaticDeliveryParams = StaticParams.extend({ eid: z.string().min(1).max(200) });

/** A user's webhook. The secret is shown once: on create and on rotation. */
export const WebhookConfig = z.object({
  webhook_id: z.string(),
  name: z.string(),
  provider: z.enum(DYNAMIC_PROVIDERS),
  enabled: z.boolean(),
  endpoint_url: z.string(),
  commands_count: z.number().optional(),
  created_at: z.string(),
  updated_at: z.string(),
  signature_header: z.string().optional(),
  secret: z.string().optional(),
});
export type WebhookConfig = z.infer<typeof WebhookConfig>;

export const WebhookDetail = WebhookConfig.extend({ signature_header: z.string(), commands: z.array(Command) });
export type WebhookDetail = z.infer<typeof WebhookDetail>;

export const WebhookList = z.object({ webhooks: z.array(WebhookConfig), static: z.array(StaticRoute) });
export type WebhookList = z.infer<typeof WebhookList>;

/** Why a command did or did not run for a delivery. */
export const Decision = z.object({ command: z.string().nullable(), command_id: z.string().optional(), matched: z.boolean(), why: z.string() });
export type Decision = z.infer<typeof Decision>;

/** What a delivery's rules decided: the decisions, and whatever else the outcome noted (reason, permission, actions…). */
export const Explanation = z.looseObject({
  decisions: z.array(Decision).optional(),
  reason: z.string().optional(),
  why: z.string().optional(),
  permission: z.string().optional(),
  actions: z.array(z.unknown()).optional(),
});

/** One received delivery as the inspector shows it. */
export const Delivery = z.object({
  event_id: z.string(),
  webhook_id: z.string().nullable(),
  provider: z.string(),
  event_type: z.string().nullable(),
  delivery_id: z.string().nullable(),
  headers: z.unknown(),
  /** Parsed when whole and shallow; otherwise the stored text, cut at 64 KiB (…/payload has the whole body). */
  payload: z.unknown(),
  payload_truncated: z.boolean(),
  payload_size: z.number(),
  verified: z.boolean(),
  verification_error: z.string().nullable(),
  matched_command: z.string().nullable(),
  explanation: z.union([Explanation, z.string(), z.null()]),
  rendered_prompt: z.string().nullable(),
  task_id: z.string().nullable(),
  task_status: z.enum(TASK_STATUSES).nullable(),
  task_outcome: z.string().nullable(),
  outcome: z.string().nullable(),
  status_code: z.number().nullable(),
  replay_of: z.string().nullable(),
  created_at: z.string(),
});
export type Delivery = z.infer<typeof Delivery>;

export const DeliveryList = z.object({ events: z.array(Delivery) });
export type DeliveryList = z.infer<typeof DeliveryList>;

/** The stored body, exactly as received. */
export const RawPayload = z.string().describe('text/plain: the delivery body as received');

export const ReplayAccepted = z.object({ task_id: z.string(), task_ids: z.array(z.string()), replay_of: z.string() });
export type ReplayAccepted = z.infer<typeof ReplayAccepted>;
/** A replay that ran no task: how it ended (ignored, acted, answered…) and why. */
export const ReplayOutcome = z.looseObject({ outcome: z.string(), reason: z.string().optional(), replay_of: z.string() });
export type ReplayOutcome = z.infer<typeof ReplayOutcome>;

/** What the rules would do with a payload; nothing is stored, created or sent. */
export const DryRunResult = z.object({
  dry_run: z.literal(true),
  event_type: z.string().nullable(),
  decisions: z.array(Decision),
  /** The plan of each action that would run (create_task: the rendered prompt, agent, permission mode…). */
  would: z.array(
    z.object({
      command: z.string(),
      /** An action, or `answer`/`approve`/`reject` for what is answered without a model run. */
      action: z.string(),
      rendered: z.string().optional(),
      agent: z.string().nullable().optional(),
      permission_mode: z.string().nullable().optional(),
      needs_approval: z.boolean().optional(),
      detail: z.string().optional(),
    }),
  ),
  note: z.string().optional(),
});
export type DryRunResult = z.infer<typeof DryRunResult>;
