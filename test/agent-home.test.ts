/**
 * The shipped agent home, seen by the real Claude Code CLI: a working directory whose .claude/agents and
 * .claude/skills are symlinks to agent-home (as every task workspace is) lists all the agents and skills in its
 * system/init message, and `--agent planning` replaces the system prompt with planning.md's body and its tools.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFrontmatter } from '../src/registry/frontmatter.js';
import { AGENT_HOME, SHIPPED_AGENTS, SHIPPED_SKILLS } from './support/agent-home.js';
import { claudeCli } from './support/claude-cli.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';


let model: ScriptedModel;
const cli = claudeCli(() => model.url, 'agent-home-');

/** A workspace like the worker's: .claude/agents and .claude/skills link to the agent home. */
function workspace(): string {
  const cwd = cli.tempDir('cwd');
  fs.mkdirSync(path.join(cwd, '.claude'));
  for (const part of ['agents', 'skills']) {
    fs.symlinkSync(path.join(AGENT_HOME, '.claude', part), path.join(cwd, '.claude', part), 'dir');
  }
  return cwd;
}

const runClaude = (prompt: string, args: string[] = []) => cli.run(prompt, { args, cwd: workspace() });

/** The agent loop's requests of one run (side requests carry no script). */
function mainRequests(sessionId: string) {
  return model.requests.filter((r) => r.sessionId === sessionId && r.script !== undefined);
}

beforeAll(async () => {
  model = await startScriptedModel();
});

afterAll(async () => {
  await model?.close();
  cli.cleanup();
});

describe('the agent home in a real Claude Code run', () => {
  it('lists every shipped agent and skill in system/init', async () => {
    const run = await runClaude('[[script:text ok]]');
    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({ subtype: 'success', result: 'ok' });
    expect(run.init.agents).toEqual(expect.arrayContaining(SHIPPED_AGENTS));
    expect(run.init.skills).toEqual(expect.arrayContaining(SHIPPED_SKILLS));
  });

  it('--agent planning runs with planning.md as the whole system prompt and only its tools', async () => {
    const { body } = parseFrontmatter(fs.readFileSync(path.join(AGENT_HOME, '.claude', 'agents', 'planning.md'), 'utf8'));
    const sentence = body.trim().split('\n')[0]!;
    expect(sentence).toContain('you analyse and plan, and you never change anything');

    const run = await runClaude('[[script:text planned]]', ['--agent', 'planning']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({ subtype: 'success', result: 'planned' });
    const [request] = mainRequests(run.init.session_id);
    expect(request, 'the scripted model saw the run').toBeDefined();
    expect(request!.systemText).toContain(sentence);
    // Replaced, not appended: the default Claude Code system prompt is about 28k characters.
    expect(request!.systemText.length).toBeLessThan(body.length + 1_000);
    // tools: Read, Grep, Glob, Bash, Skill. With Bash present this CLI folds Grep and Glob into it.
    expect(request!.toolNames).toEqual(expect.arrayContaining(['Read', 'Bash', 'Skill']));
    expect(request!.toolNames).not.toContain('Write');
    expect(request!.toolNames).not.toContain('Edit');
    expect(request!.toolNames).not.toContain('Agent');
  });

  it('--agent brain can delegate (Agent tool) but not edit files itself', async () => {
    const run = await runClaude('[[script:text delegated]]', ['--agent', 'brain']);
    expect(run.code, run.stderr).toBe(0);
    const [request] = mainRequests(run.init.session_id);
    expect(request!.systemText).toContain('You are the brain of the Claude Code Agent service.');
    expect(request!.toolNames).toEqual(expect.arrayContaining(['Agent', 'Read', 'Bash', 'Skill']));
    expect(request!.toolNames).not.toContain('Write');
  });
});
