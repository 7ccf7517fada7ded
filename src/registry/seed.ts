// The defaults shipped with the service (AGENT_HOME, the repository's agent-home/) enter the database at start-up:
// missing ones are inserted, a default changed by a new release replaces a copy nobody overrode, and an override
// keeps the user's content while learning the new default for a later restore.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import type { RegistryRepository, SkillFiles } from '../storage/repositories/registry.js';
import { NAME_PATTERN, validateAgent, validateSkill } from './frontmatter.js';
import { skillFilesProblems } from './skill-files.js';

export interface Shipped {
  agents: Map<string, string>;
  skills: Map<string, SkillFiles>;
}

/** Reads `<source>/.claude/agents/*.md` and `<source>/.claude/skills/<name>/**` (regular files only, no symlinks). */
export async function readShipped(source: string): Promise<Shipped> {
  const agents = new Map<string, string>();
  const skills = new Map<string, SkillFiles>();
  const agentsDir = path.join(source, '.claude', 'agents');
  for (const entry of await fs.readdir(agentsDir, { withFileTypes: true }).catch(() => [])) {
    if (entry.isFile() && entry.name.endsWith('.md')) agents.set(entry.name.slice(0, -3), await fs.readFile(path.join(agentsDir, entry.name), 'utf8'));
  }
  const skillsDir = path.join(source, '.claude', 'skills');
  for (const entry of await fs.readdir(skillsDir, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory()) continue;
    const files: SkillFiles = {};
    await collect(path.join(skillsDir, entry.name), '', files);
    skills.set(entry.name, files);
  }
  return { agents, skills };
}

async function collect(dir: string, prefix: string, into: SkillFiles): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await collect(path.join(dir, entry.name), rel, into);
    else if (entry.isFile()) into[rel] = await fs.readFile(path.join(dir, entry.name), 'utf8');
  }
}

export interface SeedReport {
  inserted: string[];
  updated: string[];
  adopted: string[];
  retired: string[];
  skipped: string[];
}

/** Seeds the registry from the shipped defaults. An invalid default is skipped with a warning, never stored. */
export async function seedRegistry(repo: RegistryRepository, source: string, log?: Logger): Promise<SeedReport> {
  const shipped = await readShipped(source);
  const report: SeedReport = { inserted: [], updated: [], adopted: [], retired: [], skipped: [] };
  for (const [name, content] of shipped.agents) {
    const problems = NAME_PATTERN.test(name) ? validateAgent(name, content) : [`name: "${name}" is not a registry name`];
    if (problems.length) {
      log?.warn({ agent: name, problems }, 'a shipped agent is invalid and was not seeded');
      report.skipped.push(name);
      continue;
    }
    const result = await repo.seedAgent(name, content);
    if (result !== 'unchanged') report[result].push(name);
  }
  for (const [name, files] of shipped.skills) {
    const problems = NAME_PATTERN.test(name) ? skillFilesProblems(files) : [`name: "${name}" is not a registry name`];
    if (!problems.length) problems.push(...validateSkill(name, files['SKILL.md']!));
    if (problems.length) {
      log?.warn({ skill: name, problems }, 'a shipped skill is invalid and was not seeded');
      report.skipped.push(name);
      continue;
    }
    const result = await repo.seedSkill(name, files);
    if (result !== 'unchanged') report[result].push(`skills/${name}`);
  }
  // With nothing shipped at all (AGENT_HOME pointing at an empty folder by mistake) the built-ins are kept.
  if (shipped.agents.size > 0) report.retired.push(...(await repo.retireAgents([...shipped.agents.keys()])));
  if (shipped.skills.size > 0) report.retired.push(...(await repo.retireSkills([...shipped.skills.keys()])).map((n) => `skills/${n}`));
  return report;
}
