import { z } from 'zod';

export const MAX_AGENT_BYTES = 100_000;

export const AgentCreate = z.object({ name: z.string().max(200), content: z.string().min(1, 'must not be empty').max(MAX_AGENT_BYTES) }).meta({ title: 'agent' });
export const AgentUpdate = z.object({ content: z.string().min(1, 'must not be empty').max(MAX_AGENT_BYTES) }).meta({ title: 'agent' });
/** `files`: path → text, SKILL.md required; the whole folder (a PUT replaces it). */
export const SkillCreate = z.object({ name: z.string().max(200), files: z.record(z.string(), z.unknown()) }).meta({ title: 'skill' });
export const SkillUpdate = z.object({ files: z.record(z.string(), z.unknown()) }).meta({ title: 'skill' });

/** How an agent or skill has done: over all its runs. */
const Usage = {
  runs: z.number(),
  /** Share of runs whose outcome was `success`; null before the first run. */
  success_rate: z.number().nullable(),
  cost_usd: z.number(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  mean_duration_ms: z.number().nullable(),
};

const Origin = { builtin: z.boolean(), overridden: z.boolean() };
const Frontmatter = z.record(z.string(), z.unknown());

export const AgentSummary = z.object({
  name: z.string(),
  description: z.string().nullable(),
  tools: z.array(z.string()).nullable(),
  model: z.string().nullable(),
  ...Origin,
  updated_at: z.string(),
  ...Usage,
});
export type AgentSummary = z.infer<typeof AgentSummary>;
export const AgentList = z.object({ agents: z.array(AgentSummary) });
export type AgentList = z.infer<typeof AgentList>;

export const AgentDetail = z.object({
  name: z.string(),
  content: z.string(),
  frontmatter: Frontmatter,
  body: z.string(),
  ...Origin,
  created_at: z.string(),
  updated_at: z.string(),
});
export type AgentDetail = z.infer<typeof AgentDetail>;

export const SkillSummary = z.object({
  name: z.string(),
  description: z.string().nullable(),
  allowed_tools: z.array(z.string()).nullable(),
  files: z.array(z.string()),
  ...Origin,
  webhook_id: z.string().nullable(),
  updated_at: z.string(),
  ...Usage,
});
export type SkillSummary = z.infer<typeof SkillSummary>;
export const SkillList = z.object({ skills: z.array(SkillSummary) });

/** A skill's `webhook_config` made real: the secret only when the webhook was created now. */
export const SkillWebhook = z.object({ webhook_id: z.string(), endpoint_url: z.string(), secret: z.string().optional() });

export const SkillDetail = z.object({
  name: z.string(),
  files: z.record(z.string(), z.string()),
  frontmatter: Frontmatter,
  body: z.string(),
  ...Origin,
  webhook_id: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  webhook: SkillWebhook.optional(),
});
export type SkillDetail = z.infer<typeof SkillDetail>;

/** DELETE of an overridden built-in: the override is dropped and the shipped one is back. */
export const AgentRestored = AgentDetail.extend({ restored: z.literal(true) });
export const SkillRestored = SkillDetail.extend({ restored: z.literal(true) });
