// The registry's rules, shared by the registry API and the management tools: names, frontmatter and skill paths are
// validated on every write; a built-in can be overridden and restored, never destroyed; a skill's `webhook_config`
// keeps its webhook in step. Storage is the database (RegistryRepository); workers materialise it before each run.
import { AgentCreate, type AgentSummary, AgentUpdate, SkillCreate, type SkillSummary, SkillUpdate } from '../contracts/registry.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { AgentRecord, SkillFiles, SkillRecord } from '../storage/repositories/registry.js';
import { NO_USAGE } from '../storage/repositories/registry-usage.js';
import { conflict, invalid, notFound, parseInput } from '../domain/errors.js';
import { type FrontmatterValue, NAME_PATTERN, parseFrontmatter, validateAgent, validateSkill } from './frontmatter.js';
import { registryLimitGuard } from './registry-limits.js';
import { skillFilesProblems } from './skill-files.js';
import { parseSkillWebhook, type SkillWebhookResult, type SkillWebhookStore, syncSkillWebhook } from './skill-webhook.js';

/** Agents Claude Code 2.1.330 brings itself (docs/claude-cli-notes.md §3): valid for `--agent` without a file. */
export { AgentCreate, AgentUpdate, SkillCreate, SkillUpdate };

export const CLAUDE_BUILTIN_AGENTS = ['claude', 'Explore', 'general-purpose', 'Plan', 'statusline-setup'] as const;


const iso = (ms: number) => new Date(ms).toISOString();

function frontmatterOf(text: string): { frontmatter: Record<string, FrontmatterValue>; body: string } {
  try {
    const parsed = parseFrontmatter(text);
    return { frontmatter: parsed.data, body: parsed.body };
  } catch {
    return { frontmatter: {}, body: text };
  }
}

const single = (v: FrontmatterValue | undefined) => (typeof v === 'string' && v !== '' ? v : null);
const list = (v: FrontmatterValue | undefined) =>
  Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : typeof v === 'string' && v !== '' ? [v] : null;

function checkName(kind: 'agent' | 'skill', name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw invalid(kind, [`name: "${name}" is not a valid ${kind} name (lowercase letters, digits and "-", at most 64, not starting with "-")`]);
  }
}

export function agentDetail(a: AgentRecord) {
  return { name: a.name, content: a.content, ...frontmatterOf(a.content), builtin: a.builtin, overridden: a.overridden, created_at: iso(a.created_at), updated_at: iso(a.updated_at) };
}

export function skillDetail(s: SkillRecord) {
  return {
    name: s.name,
    files: s.files,
    ...frontmatterOf(s.files['SKILL.md'] ?? ''),
    builtin: s.builtin,
    overridden: s.overridden,
    webhook_id: s.webhook_id,
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
  };
}

export class RegistryService {
  constructor(private readonly deps: { repos: Repositories; webhooks: SkillWebhookStore }) {}

  private get repos() {
    return this.deps.repos;
  }

  // ---- agents ----

  async listAgents(): Promise<AgentSummary[]> {
    const [agents, usage] = await Promise.all([this.repos.registry.listAgents(), this.repos.registryUsage.byAgent()]);
    return agents.map((a) => {
      const { frontmatter } = frontmatterOf(a.content);
      return {
        name: a.name,
        description: single(frontmatter.description),
        tools: list(frontmatter.tools),
        model: single(frontmatter.model),
        builtin: a.builtin,
        overridden: a.overridden,
        updated_at: iso(a.updated_at),
        ...(usage.get(a.name) ?? NO_USAGE),
      };
    });
  }

  /** Names a task may run as: the registry's agents and Claude Code's own. */
  async runnableAgents(): Promise<string[]> {
    return [...(await this.repos.registry.listAgents()).map((a) => a.name), ...CLAUDE_BUILTIN_AGENTS];
  }

  async getAgent(name: string) {
    checkName('agent', name);
    const a = await this.repos.registry.getAgent(name);
    if (!a) throw notFound(`agent ${name}`);
    return agentDetail(a);
  }

  private validAgent(name: string, content: string): void {
    const problems = validateAgent(name, content);
    if (problems.length) throw invalid('agent', problems);
  }

  async createAgent(body: unknown) {
    const input = parseInput(AgentCreate, body, 'agent');
    checkName('agent', input.name);
    this.validAgent(input.name, input.content);
    if ((CLAUDE_BUILTIN_AGENTS as readonly string[]).includes(input.name)) {
      throw conflict(`"${input.name}" is one of Claude Code's own agents; pick another name`, 'name');
    }
    if (!(await this.repos.registry.createAgent(input.name, input.content, registryLimitGuard('content')))) {
      throw conflict(`agent ${input.name} already exists; PUT /api/registry/agents/${input.name} to change it`, 'name');
    }
    return this.getAgent(input.name);
  }

  async updateAgent(name: string, body: unknown) {
    checkName('agent', name);
    const input = parseInput(AgentUpdate, body, 'agent');
    this.validAgent(name, input.content);
    const updated = await this.repos.registry.updateAgent(name, input.content, registryLimitGuard('content'));
    if (!updated) throw notFound(`agent ${name} (POST /api/registry/agents creates one)`);
    return agentDetail(updated);
  }

  /** A user agent is deleted; an overridden built-in goes back to its shipped content; a pristine built-in stays. */
  async deleteAgent(name: string): Promise<{ outcome: 'deleted' } | { outcome: 'restored'; agent: ReturnType<typeof agentDetail> }> {
    checkName('agent', name);
    const a = await this.repos.registry.getAgent(name);
    if (!a) throw notFound(`agent ${name}`);
    if (!a.builtin) {
      await this.repos.registry.deleteAgent(name);
      return { outcome: 'deleted' };
    }
    if (!a.overridden) throw conflict(`built-ins cannot be deleted: ${name} ships with the service (override it with PUT instead)`, 'name');
    return { outcome: 'restored', agent: await this.restoreAgent(name) };
  }

  async restoreAgent(name: string) {
    checkName('agent', name);
    const a = await this.repos.registry.getAgent(name);
    if (!a) throw notFound(`agent ${name}`);
    if (!a.builtin || a.shipped_content === null) throw conflict(`${name} is not a built-in: there is nothing to restore`, 'name');
    return agentDetail((await this.repos.registry.updateAgent(name, a.shipped_content))!);
  }

  // ---- skills ----

  async listSkills(): Promise<SkillSummary[]> {
    const [skills, usage] = await Promise.all([this.repos.registry.listSkills(), this.repos.registryUsage.bySkill()]);
    return skills.map((s) => {
      const { frontmatter } = frontmatterOf(s.files['SKILL.md'] ?? '');
      return {
        name: s.name,
        description: single(frontmatter.description),
        allowed_tools: list(frontmatter['allowed-tools']),
        files: Object.keys(s.files).sort(),
        builtin: s.builtin,
        overridden: s.overridden,
        webhook_id: s.webhook_id,
        updated_at: iso(s.updated_at),
        ...(usage.get(s.name) ?? NO_USAGE),
      };
    });
  }

  async getSkill(name: string) {
    checkName('skill', name);
    const s = await this.repos.registry.getSkill(name);
    if (!s) throw notFound(`skill ${name}`);
    return skillDetail(s);
  }

  /** Paths, SKILL.md's frontmatter and its webhook_config, all before anything is stored. */
  private validSkill(name: string, files: Record<string, unknown>) {
    const problems = skillFilesProblems(files);
    if (problems.length) throw invalid('skill', problems);
    const skillMd = files['SKILL.md'] as string;
    const frontmatter = validateSkill(name, skillMd);
    if (frontmatter.length) throw invalid('skill', frontmatter);
    return { files: files as SkillFiles, webhook: parseSkillWebhook(parseFrontmatter(skillMd).data.webhook_config) };
  }

  private async withWebhook(name: string, linked: string | null, webhook: ReturnType<typeof parseSkillWebhook>) {
    const result = await syncSkillWebhook(this.deps.webhooks, linked, webhook);
    if ((result?.webhook_id ?? null) !== linked) await this.repos.registry.setSkillWebhook(name, result?.webhook_id ?? null);
    const skill = await this.getSkill(name);
    return result ? { ...skill, webhook: result } : skill;
  }

  async createSkill(body: unknown): Promise<ReturnType<typeof skillDetail> & { webhook?: SkillWebhookResult }> {
    const input = parseInput(SkillCreate, body, 'skill');
    checkName('skill', input.name);
    const { files, webhook } = this.validSkill(input.name, input.files);
    if (!(await this.repos.registry.createSkill(input.name, files, registryLimitGuard('files')))) {
      throw conflict(`skill ${input.name} already exists; PUT /api/registry/skills/${input.name} to replace its files`, 'name');
    }
    return this.withWebhook(input.name, null, webhook);
  }

  /** Replaces the skill's whole folder with `files`. */
  async updateSkill(name: string, body: unknown): Promise<ReturnType<typeof skillDetail> & { webhook?: SkillWebhookResult }> {
    checkName('skill', name);
    const input = parseInput(SkillUpdate, body, 'skill');
    const { files, webhook } = this.validSkill(name, input.files);
    const updated = await this.repos.registry.updateSkill(name, files, registryLimitGuard('files'));
    if (!updated) throw notFound(`skill ${name} (POST /api/registry/skills creates one)`);
    return this.withWebhook(name, updated.webhook_id, webhook);
  }

  async deleteSkill(name: string): Promise<{ outcome: 'deleted' } | { outcome: 'restored'; skill: ReturnType<typeof skillDetail> }> {
    checkName('skill', name);
    const s = await this.repos.registry.getSkill(name);
    if (!s) throw notFound(`skill ${name}`);
    if (!s.builtin) {
      await this.repos.registry.deleteSkill(name);
      await syncSkillWebhook(this.deps.webhooks, s.webhook_id, undefined);
      return { outcome: 'deleted' };
    }
    if (!s.overridden) throw conflict(`built-ins cannot be deleted: ${name} ships with the service (override it with PUT instead)`, 'name');
    return { outcome: 'restored', skill: await this.restoreSkill(name) };
  }

  async restoreSkill(name: string) {
    checkName('skill', name);
    const s = await this.repos.registry.getSkill(name);
    if (!s) throw notFound(`skill ${name}`);
    if (!s.builtin || s.shipped_files === null) throw conflict(`${name} is not a built-in: there is nothing to restore`, 'name');
    const restored = (await this.repos.registry.updateSkill(name, s.shipped_files))!;
    const webhook = parseSkillWebhookSafe(restored.files['SKILL.md']);
    return this.withWebhook(name, restored.webhook_id, webhook);
  }
}

/** A shipped skill's webhook_config, or none when it has none or it no longer validates. */
function parseSkillWebhookSafe(skillMd: string | undefined) {
  try {
    return skillMd ? parseSkillWebhook(parseFrontmatter(skillMd).data.webhook_config) : undefined;
  } catch {
    return undefined;
  }
}
