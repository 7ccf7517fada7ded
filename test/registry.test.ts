/**
 * The registry end to end: the shipped defaults seeded into the database, the API's round trips and refusals
 * (frontmatter, names, paths that try to leave the registry), and real Claude Code runs that see it — every agent
 * and skill in the run's system/init message, an agent's body as the system prompt, changes picked up by the next
 * run without a restart — plus per-agent and per-skill figures.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFrontmatter } from '../src/registry/frontmatter.js';
import { SHIPPED_AGENTS, SHIPPED_SKILLS } from './support/agent-home.js';
import { type ScriptedHarness, startScriptedHarness } from './support/harness.js';

const agentFile = (name: string, body: string, fields = 'tools: Read, Grep, Glob\nmodel: inherit\n') =>
  `---\nname: ${name}\ndescription: Writes release notes from the merged pull requests of a release.\n${fields}---\n${body}\n`;
const skillMd = (name: string, extra = '') =>
  `---\nname: ${name}\ndescription: How this team cuts a release, step by step.\nallowed-tools: Read, Bash(git tag:*)\n${extra}---\n# Release process\nRead reference.md, then tag.\n`;

describe('registry', () => {
  let h: ScriptedHarness;

  beforeAll(async () => {
    h = await startScriptedHarness();
  });
  afterAll(() => h?.close());

  const events = async (taskId: string) => (await h.request('GET', `/api/tasks/${taskId}/events?after=0`)).body.events.map((e: any) => e.item);
  const chat = async (body: object) => {
    const sent = await h.request('POST', '/api/chat', body);
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    return h.waitForTask(sent.body.task_id);
  };

  it('seeds the shipped agents and skills into the database, as built-ins with empty figures', async () => {
    const agents = await h.request('GET', '/api/registry/agents');
    expect(agents.status).toBe(200);
    expect(agents.body.agents.map((a: any) => a.name)).toEqual(SHIPPED_AGENTS);
    expect(agents.body.agents.find((a: any) => a.name === 'planning')).toMatchObject({
      builtin: true,
      overridden: false,
      model: 'inherit',
      tools: ['Read', 'Grep', 'Glob', 'Bash', 'Skill'],
      runs: 0,
      success_rate: null,
      cost_usd: 0,
      mean_duration_ms: null,
    });
    const skills = await h.request('GET', '/api/registry/skills');
    expect(skills.body.skills.map((s: any) => s.name)).toEqual(SHIPPED_SKILLS);
    expect(skills.body.skills.find((s: any) => s.name === 'webhook-management').files).toEqual(['SKILL.md', 'reference.md']);
  });

  it('creates, reads, replaces and deletes a user agent', async () => {
    const created = await h.request('POST', '/api/registry/agents', { name: 'deployer', content: agentFile('deployer', 'You are DEPLOYER-V1.') });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: 'deployer', builtin: false, overridden: false, frontmatter: { name: 'deployer', tools: ['Read', 'Grep', 'Glob'] } });
    expect(created.body.body.trim()).toBe('You are DEPLOYER-V1.');
    expect((await h.request('POST', '/api/registry/agents', { name: 'deployer', content: agentFile('deployer', 'again') })).status).toBe(409);

    const replaced = await h.request('PUT', '/api/registry/agents/deployer', { content: agentFile('deployer', 'You are DEPLOYER-V2.') });
    expect(replaced.status).toBe(200);
    expect((await h.request('GET', '/api/registry/agents/deployer')).body.content).toContain('DEPLOYER-V2');
    expect((await h.request('PUT', '/api/registry/agents/nobody', { content: agentFile('nobody', 'x') })).status).toBe(404);

    expect((await h.request('DELETE', '/api/registry/agents/deployer')).status).toBe(204);
    expect((await h.request('GET', '/api/registry/agents/deployer')).status).toBe(404);
  });

  it('refuses a bad frontmatter with a 400 naming the field', async () => {
    const bad = async (name: string, content: string, field: string, mention: string) => {
      const res = await h.request('POST', '/api/registry/agents', { name, content });
      expect(res.status, content).toBe(400);
      expect(res.body.field).toBe(field);
      expect(res.body.error).toContain(mention);
    };
    await bad('deployer', '---\nname: deployer\n---\nbody', 'description', 'description: missing');
    await bad('deployer', agentFile('deployer', 'x', 'tools: Read, TodoWrite\n'), 'tools', 'TodoWrite');
    await bad('deployer', agentFile('someone-else', 'x'), 'name', 'does not match');
    await bad('deployer', agentFile('deployer', 'x', 'model: gpt-4\n'), 'model', 'gpt-4');
    await bad('deployer', 'no frontmatter at all', 'frontmatter', '---');
    await bad('Deployer', agentFile('Deployer', 'x'), 'name', 'not a valid agent name');
    const missing = await h.request('POST', '/api/registry/agents', { name: 'deployer' });
    expect(missing).toMatchObject({ status: 400, body: { field: 'content' } });
    expect((await h.request('GET', '/api/registry/agents/deployer')).status).toBe(404);
  });

  it('never destroys a built-in: override, delete restores, restore restores, pristine delete is 409', async () => {
    const shipped = (await h.request('GET', '/api/registry/agents/verifier')).body.content as string;
    const pristine = await h.request('DELETE', '/api/registry/agents/verifier');
    expect(pristine.status).toBe(409);
    expect(pristine.body.error).toContain('built-ins cannot be deleted');

    const changed = shipped.replace(/\n---\n/, '\n---\nYou are the OVERRIDDEN verifier.\n');
    const overridden = await h.request('PUT', '/api/registry/agents/verifier', { content: changed });
    expect(overridden.body).toMatchObject({ builtin: true, overridden: true });
    const deleted = await h.request('DELETE', '/api/registry/agents/verifier');
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ restored: true, overridden: false, content: shipped });

    await h.request('PUT', '/api/registry/agents/verifier', { content: changed });
    const restored = await h.request('POST', '/api/registry/agents/verifier/restore');
    expect(restored.body).toMatchObject({ overridden: false, content: shipped });
    // Putting the shipped content back by hand counts as not overridden too.
    expect((await h.request('PUT', '/api/registry/agents/verifier', { content: shipped })).body.overridden).toBe(false);
    expect((await h.request('POST', '/api/registry/agents/planning/restore')).status).toBe(200);

    const skill = await h.request('DELETE', '/api/registry/skills/testing');
    expect(skill.status).toBe(409);
  });

  it('keeps every path inside the registry: traversal, absolute and encoded paths are refused', async () => {
    // Names in the URL: decoded by the router, then refused as names.
    for (const url of ['/api/registry/agents/..%2f..%2fetc%2fpasswd', '/api/registry/agents/%2e%2e%2fplanning', '/api/registry/skills/..%2fplanning', '/api/registry/skills/a%5cb']) {
      const res = await h.request('GET', url);
      expect(res.status, url).toBe(400);
      expect(res.body.field).toBe('name');
    }
    expect((await h.request('PUT', '/api/registry/skills/..%2f..%2fescape', { files: { 'SKILL.md': skillMd('x') } })).status).toBe(400);

    const outside = path.join(h.dataDir, 'escaped');
    const bad = [
      '../escaped/x.md',
      'refs/../../x.md',
      '/tmp/absolute.md',
      path.join(outside, 'abs.md'),
      '%2e%2e%2fescaped.md',
      '..%2fescaped.md',
      'refs%2fx.md',
      'refs%5cx.md',
      'refs\\..\\x.md',
      'x\u0000.md',
      './x.md',
      'refs//x.md',
      '.hidden',
      'a/b/c/d/e.md',
      'C:/x.md',
      '~/x.md',
    ];
    for (const p of bad) {
      const res = await h.request('POST', '/api/registry/skills', { name: 'release-process', files: { 'SKILL.md': skillMd('release-process'), [p]: 'x' } });
      expect(res.status, p).toBe(400);
      expect(res.body.field, p).toBe(`files[${JSON.stringify(p)}]`);
    }
    expect((await h.request('POST', '/api/registry/skills', { name: 'release-process', files: { 'reference.md': 'x' } })).body.field).toBe('files');
    expect((await h.request('POST', '/api/registry/skills', { name: 'release-process', files: { 'SKILL.md': skillMd('release-process'), big: 'x'.repeat(300 * 1024) } })).status).toBe(400);
    expect((await h.request('GET', '/api/registry/skills/release-process')).status).toBe(404);
    expect(fs.existsSync(outside)).toBe(false);
  });

  it('rejects an agent unknown to the registry and to Claude Code in a chat request, naming the available ones', async () => {
    const res = await h.request('POST', '/api/chat', { message: 'hi', agent: 'no-such-agent' });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('no-such-agent');
    for (const name of ['planning', 'brain', 'Explore', 'general-purpose']) expect(res.body.error).toContain(name);
    const explore = await chat({ message: '[[script:text explored]]', agent: 'Explore' });
    expect(explore).toMatchObject({ status: 'completed', output: 'explored', assigned_agent: 'Explore' });
  });

  it('a run sees the whole registry in its init message, including what was created a moment before', async () => {
    const agent = await h.request('POST', '/api/registry/agents', { name: 'release-notes', content: agentFile('release-notes', 'You are RELEASE-NOTES-V1: list the changes.') });
    expect(agent.status).toBe(201);
    const skill = await h.request('POST', '/api/registry/skills', {
      name: 'release-process',
      files: { 'SKILL.md': skillMd('release-process'), 'reference.md': '# Reference\nTag as vX.Y.Z.\n', 'scripts/tag.sh': 'git tag "$1"\n' },
    });
    expect(skill.status, JSON.stringify(skill.body)).toBe(201);
    expect(Object.keys(skill.body.files).sort()).toEqual(['SKILL.md', 'reference.md', 'scripts/tag.sh']);

    const task = await chat({ message: '[[script:text seen]]' });
    expect(task.status).toBe('completed');
    const init = (await events(task.task_id)).find((i: any) => i.kind === 'init');
    const registryAgents = (await h.request('GET', '/api/registry/agents')).body.agents.map((a: any) => a.name);
    const registrySkills = (await h.request('GET', '/api/registry/skills')).body.skills.map((s: any) => s.name);
    expect(registryAgents).toContain('release-notes');
    expect(registrySkills).toContain('release-process');
    expect(init.agents).toEqual(expect.arrayContaining(registryAgents));
    expect(init.skills).toEqual(expect.arrayContaining(registrySkills));

    // The run read the worker's materialised copy: the skill's folder is there, whole.
    const live = path.join(h.dataDir, 'agent-home', '.claude');
    expect(fs.lstatSync(live).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(live, 'skills', 'release-process', 'scripts', 'tag.sh'), 'utf8')).toBe('git tag "$1"\n');
    expect(fs.readlinkSync(path.join(h.dataDir, 'workspaces', task.conversation_id!, '.claude', 'skills'))).toBe(path.join(h.dataDir, 'agent-home', '.claude', 'skills'));
  });

  it('a task created with agent "planning" runs as that agent: its body is the system prompt', async () => {
    const { body } = parseFrontmatter(fs.readFileSync(path.resolve('agent-home/.claude/agents/planning.md'), 'utf8'));
    const sentence = body.trim().split('\n')[0]!;
    h.model.reset();
    const task = await chat({ message: '[[script:text planned]]', agent: 'planning' });
    expect(task).toMatchObject({ status: 'completed', output: 'planned', assigned_agent: 'planning' });
    const request = h.model.requests.find((r) => r.sessionId === task.claude_session_id && r.script === 'text');
    expect(request, 'the scripted model saw the run').toBeDefined();
    expect(request!.systemText).toContain(sentence);
    expect(request!.toolNames).not.toContain('Write');
  });

  it('an edit reaches the next run without a restart', async () => {
    await h.request('PUT', '/api/registry/agents/release-notes', { content: agentFile('release-notes', 'You are RELEASE-NOTES-V2: group the changes by area.') });
    h.model.reset();
    const task = await chat({ message: '[[script:text grouped]]', agent: 'release-notes' });
    expect(task.status).toBe('completed');
    const request = h.model.requests.find((r) => r.sessionId === task.claude_session_id && r.script === 'text');
    expect(request!.systemText).toContain('RELEASE-NOTES-V2');
    expect(request!.systemText).not.toContain('RELEASE-NOTES-V1');

    // A deleted skill is gone from the next run.
    await h.request('DELETE', '/api/registry/skills/release-process');
    const after = await chat({ message: '[[script:text again]]' });
    const init = (await events(after.task_id)).find((i: any) => i.kind === 'init');
    expect(init.skills).not.toContain('release-process');
    expect(init.skills).toEqual(expect.arrayContaining(SHIPPED_SKILLS));
  });

  it("a symlink planted in the worker's copy is never written through, and is gone after the next change", async () => {
    const outside = fs.mkdtempSync(path.join(h.dataDir, 'outside-'));
    const live = path.join(h.dataDir, 'agent-home', '.claude');
    fs.symlinkSync(outside, path.join(live, 'skills', 'planted'));
    fs.symlinkSync(outside, path.join(h.dataDir, 'agent-home', 'versions', 'planted'));
    await h.request('POST', '/api/registry/skills', { name: 'planted', files: { 'SKILL.md': skillMd('planted'), 'notes.md': 'inside' } });
    const task = await chat({ message: '[[script:text fine]]' });
    expect(task.status).toBe('completed');
    expect(fs.readdirSync(outside)).toEqual([]);
    const planted = path.join(live, 'skills', 'planted');
    expect(fs.lstatSync(planted).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(path.join(planted, 'notes.md'), 'utf8')).toBe('inside');
    await h.request('DELETE', '/api/registry/skills/planted');
  });

  it('skills are folders: several files at once, replaced whole', async () => {
    const created = await h.request('POST', '/api/registry/skills', {
      name: 'on-call',
      files: { 'SKILL.md': skillMd('on-call'), 'runbooks/db.md': 'restart the db', 'runbooks/cache.md': 'flush' },
    });
    expect(created.status).toBe(201);
    const replaced = await h.request('PUT', '/api/registry/skills/on-call', { files: { 'SKILL.md': skillMd('on-call'), 'runbooks/db.md': 'fail over' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.files).toEqual({ 'SKILL.md': skillMd('on-call'), 'runbooks/db.md': 'fail over' });
    const bad = await h.request('PUT', '/api/registry/skills/on-call', { files: { 'SKILL.md': skillMd('on-call').replace('description: How', 'descripton: How') } });
    expect(bad.status).toBe(400);
    expect(['description', 'descripton']).toContain(bad.body.field);
    expect((await h.request('DELETE', '/api/registry/skills/on-call')).status).toBe(204);
  });

  it("a skill's webhook_config creates and updates its webhook and commands; deleting the skill removes them", async () => {
    const config = (name: string, commands: object[]) => `webhook_config: ${JSON.stringify({ name, provider: 'jira', commands })}\n`;
    const triage = { name: 'triage', trigger: 'jira:issue_created', template: 'Analyse {{issue.key}}: {{issue.fields.summary}}', agent: 'jira-code-plan' };
    const created = await h.request('POST', '/api/registry/skills', { name: 'jira-bugs', files: { 'SKILL.md': skillMd('jira-bugs', config('Jira bugs', [triage])) } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.webhook).toMatchObject({ webhook_id: expect.stringMatching(/^wh_/), secret: expect.any(String) });
    const id = created.body.webhook.webhook_id;
    let hook = await h.request('GET', `/api/webhooks/${id}`);
    expect(hook.body).toMatchObject({ name: 'Jira bugs', provider: 'jira', commands_count: 1 });
    expect(hook.body.commands[0]).toMatchObject({ name: 'triage', agent: 'jira-code-plan', template: triage.template });

    const comment = { name: 'ack', trigger: 'jira:issue_created', action: 'comment', template: 'Looking at {{issue.key}}' };
    const updated = await h.request('PUT', '/api/registry/skills/jira-bugs', {
      files: { 'SKILL.md': skillMd('jira-bugs', config('Jira bugs (all)', [{ ...triage, priority: 5 }, comment])) },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.webhook).toMatchObject({ webhook_id: id });
    expect(updated.body.webhook.secret).toBeUndefined();
    hook = await h.request('GET', `/api/webhooks/${id}`);
    expect(hook.body).toMatchObject({ name: 'Jira bugs (all)', commands_count: 2 });
    expect(hook.body.commands.map((c: any) => [c.name, c.priority])).toEqual([['triage', 5], ['ack', 100]]);

    // Checked like the webhook API: an unknown template variable is refused before anything changes.
    const bad = await h.request('PUT', '/api/registry/skills/jira-bugs', {
      files: { 'SKILL.md': skillMd('jira-bugs', config('Jira bugs', [{ ...triage, template: 'Hi {{secrets.token}}' }])) },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('webhook_config.commands[0].template');
    expect((await h.request('PUT', '/api/registry/skills/jira-bugs', { files: { 'SKILL.md': skillMd('jira-bugs', 'webhook_config: [not, a, mapping]\n') } })).body.field).toBe('webhook_config');
    expect((await h.request('GET', `/api/webhooks/${id}`)).body.commands_count).toBe(2);

    expect((await h.request('DELETE', '/api/registry/skills/jira-bugs')).status).toBe(204);
    expect((await h.request('GET', `/api/webhooks/${id}`)).status).toBe(404);
  });

  it('reports runs, success rate, cost, tokens and mean duration per agent and per skill', async () => {
    const used = await chat({ message: '[[script:mcp Skill {"skill":"testing"}]]', agent: 'planning' });
    expect(used.status).toBe('completed');
    expect((await events(used.task_id)).some((i: any) => i.kind === 'tool_use' && i.name === 'Skill')).toBe(true);

    const agents = (await h.request('GET', '/api/registry/agents')).body.agents;
    const planning = agents.find((a: any) => a.name === 'planning');
    expect(planning.runs).toBe(2);
    expect(planning.success_rate).toBe(1);
    expect(planning.cost_usd).toBeGreaterThan(0);
    expect(planning.input_tokens).toBeGreaterThan(0);
    expect(planning.output_tokens).toBeGreaterThan(0);
    expect(planning.mean_duration_ms).toBeGreaterThan(0);
    expect(agents.find((a: any) => a.name === 'brain').runs).toBe(0);

    const skills = (await h.request('GET', '/api/registry/skills')).body.skills;
    expect(skills.find((s: any) => s.name === 'testing')).toMatchObject({ runs: 1, success_rate: 1, cost_usd: used.cost_usd, input_tokens: used.input_tokens });
    expect(skills.find((s: any) => s.name === 'discovery').runs).toBe(0);
  });
});
