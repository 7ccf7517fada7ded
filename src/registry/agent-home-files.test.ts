// The agent home's files: the agents and skills shipped in agent-home/.claude validate and keep to their tools, and
// listing a home finds its agents and skills. The frontmatter parser and validators are in frontmatter.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listAgentNames, listSkillNames, parseFrontmatter, validateAgent, validateSkill } from './frontmatter.js';
import { AGENT_HOME, SHIPPED_AGENTS, SHIPPED_SKILLS } from '../../test/support/agent-home.js';

const agentText = (name: string) => fs.readFileSync(path.join(AGENT_HOME, '.claude', 'agents', `${name}.md`), 'utf8');
const skillText = (name: string) => fs.readFileSync(path.join(AGENT_HOME, '.claude', 'skills', name, 'SKILL.md'), 'utf8');

const agent = (front: string, body = 'You are a test agent.\n') => `---\n${front}\n---\n${body}`;
const GOOD_AGENT = 'name: good\ndescription: A good agent.\ntools: Read, Bash\nmodel: inherit';

describe('the shipped agent home', () => {
  it('has exactly the nine agents and eight skills', () => {
    expect(listAgentNames(AGENT_HOME)).toEqual(SHIPPED_AGENTS);
    expect(listSkillNames(AGENT_HOME)).toEqual(SHIPPED_SKILLS);
  });

  it.each(SHIPPED_AGENTS)('agent %s validates cleanly and is short', (name) => {
    const text = agentText(name);
    expect(validateAgent(name, text)).toEqual([]);
    const { data, body } = parseFrontmatter(text);
    expect(Object.keys(data).sort()).toEqual(['description', 'model', 'name', 'tools']);
    expect(data.model).toBe('inherit');
    const lines = body.trim().split('\n').length;
    expect(lines).toBeGreaterThanOrEqual(10);
    expect(lines).toBeLessThanOrEqual(30);
  });

  it.each(SHIPPED_SKILLS)('skill %s validates cleanly', (name) => {
    const text = skillText(name);
    expect(validateSkill(name, text)).toEqual([]);
    expect(Object.keys(parseFrontmatter(text).data).sort()).toEqual(['allowed-tools', 'description', 'name']);
  });

  it('gives write tools only to the agents that change code', () => {
    const tools = (name: string) => parseFrontmatter(agentText(name)).data.tools as string[];
    const writers = SHIPPED_AGENTS.filter((a) => tools(a).some((t) => t === 'Write' || t === 'Edit'));
    // github-pr-review writes only its findings file (.agent/review.json): its command's permissions allow no other.
    expect(writers).toEqual(['executor', 'github-issue-handler', 'github-pr-review']);
    expect(tools('brain')).toContain('Agent');
    for (const name of SHIPPED_AGENTS) expect(tools(name)).toContain('Skill');
  });

  // A skill's allowed-tools let those tools run without a permission prompt while it is active (checked against the
  // CLI), so a skill could widen a read-only command's permissions. Shipped skills grant only reading their own
  // folder (reachable only through the .claude/skills symlink) and gh's read-only views: no bare tools, no test
  // runners (they execute the project's code), no git clone/fetch (--upload-pack and -c run commands).
  it('grants only a read of the skill folder itself and read-only gh views', () => {
    for (const name of SHIPPED_SKILLS) {
      const granted = parseFrontmatter(skillText(name)).data['allowed-tools'] as string[];
      const harmless = (t: string) =>
        t === `Read(//**/.claude/skills/${name}/**)` || /^Bash\(gh (pr|issue) (view|diff):\*\)$/.test(t);
      expect(granted.filter((t) => !harmless(t)), name).toEqual([]);
    }
  });
});

describe('listing an agent home', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('lists .md files and skill folders with a SKILL.md, and nothing when the folders are missing', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-home-'));
    dirs.push(home);
    expect(listAgentNames(home)).toEqual([]);
    expect(listSkillNames(home)).toEqual([]);
    fs.mkdirSync(path.join(home, '.claude', 'agents', 'not-an-agent.md'), { recursive: true });
    fs.writeFileSync(path.join(home, '.claude', 'agents', 'b.md'), agent(GOOD_AGENT));
    fs.writeFileSync(path.join(home, '.claude', 'agents', 'a.md'), agent(GOOD_AGENT));
    fs.writeFileSync(path.join(home, '.claude', 'agents', 'notes.txt'), 'x');
    fs.mkdirSync(path.join(home, '.claude', 'skills', 'with-skill'), { recursive: true });
    fs.mkdirSync(path.join(home, '.claude', 'skills', 'empty-folder'), { recursive: true });
    fs.writeFileSync(path.join(home, '.claude', 'skills', 'with-skill', 'SKILL.md'), 'x');
    expect(listAgentNames(home)).toEqual(['a', 'b']);
    expect(listSkillNames(home)).toEqual(['with-skill']);
  });
});
