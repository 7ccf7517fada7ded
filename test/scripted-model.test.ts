/**
 * Runs the real Claude Code CLI (node_modules/.bin/claude) against the scripted Anthropic Messages API server and
 * checks what the CLI streams for each script. Findings are written up in docs/claude-cli-notes.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeCli, CLI_MODEL as MODEL, type CliRun as Run } from './support/claude-cli.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';

let model: ScriptedModel;
const cli = claudeCli(() => model.url, 'sm-');
/** Spawns `claude -p` with the prompt on stdin (then closed) in a fresh temp cwd and HOME. */
const runClaude = cli.run;

const ofType = (r: Run, type: string) => r.frames.filter((f) => f.msg.type === type);
const assistantTexts = (r: Run) =>
  ofType(r, 'assistant').flatMap((f) =>
    (f.msg.message.content as any[]).filter((b) => b.type === 'text').map((b) => b.text as string),
  );

beforeAll(async () => {
  model = await startScriptedModel();
});

afterAll(async () => {
  await model?.close();
  cli.cleanup();
});

describe('scripted model server (direct HTTP)', () => {
  it('answers HEAD/GET /, 404s unknown paths, counts tokens', async () => {
    expect((await fetch(`${model.url}/`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${model.url}/`)).status).toBe(200);
    const nf = await fetch(`${model.url}/v1/nope`, { method: 'POST', body: '{}' });
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as any).type).toBe('error');
    const ct = await fetch(`${model.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hello there' }] }),
    });
    expect(((await ct.json()) as any).input_tokens).toBeGreaterThanOrEqual(1);
  });

  it('supports non-streaming requests and treats tiny max_tokens requests as side requests', async () => {
    model.reset();
    const post = (body: unknown) =>
      fetch(`${model.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-claude-code-session-id': 'direct' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<any>);
    const main = await post({
      model: MODEL,
      max_tokens: 32000,
      system: 'You are Claude Code',
      tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: '[[script:bash echo hi]]' }] }],
    });
    expect(main.stop_reason).toBe('tool_use');
    expect(main.content[0]).toMatchObject({ type: 'tool_use', name: 'Bash', input: { command: 'echo hi' } });
    expect(main.usage.input_tokens).toBeGreaterThanOrEqual(1);
    const side = await post({
      model: 'claude-haiku-4-5',
      max_tokens: 1,
      messages: [{ role: 'user', content: '[[script:bash echo hi]]' }],
    });
    expect(side.content[0].type).toBe('text');
    expect(model.requests.map((r) => r.script)).toEqual(['bash', undefined]);
    expect(model.requests[0]!.sessionId).toBe('direct');
    expect(model.requests[0]!.toolNames).toEqual(['Bash']);
    expect(model.inFlight).toBe(0);
    expect(model.maxConcurrent).toBe(1);
  });
});

describe('real Claude Code CLI against the scripted model', () => {
  it('no directive: the demo reply', async () => {
    const r = await runClaude('Hello there');
    expect(r.code).toBe(0);
    expect(r.result).toMatchObject({ subtype: 'success', is_error: false });
    expect(r.result.result).toBe('Scripted demo model: I received your message "Hello there". No real model is connected.');
  });

  it('text: system/init → assistant → result success', async () => {
    model.reset();
    const r = await runClaude('[[script:text Hi from the test]]');
    expect(r.code).toBe(0);
    expect(r.frames.map((f) => f.msg.type)).toEqual(['system', 'assistant', 'result']);
    expect(r.init).toMatchObject({ type: 'system', subtype: 'init', model: MODEL, cwd: fs.realpathSync(r.cwd) });
    expect(r.result).toMatchObject({
      subtype: 'success',
      is_error: false,
      result: 'Hi from the test',
      num_turns: 1,
      stop_reason: 'end_turn',
      terminal_reason: 'completed',
    });
    expect(r.result.session_id).toBe(r.init.session_id);
    expect(r.result.total_cost_usd).toBeGreaterThan(0);
    const main = model.requests.filter((q) => q.script !== undefined);
    expect(main).toHaveLength(1);
    expect(main[0]!.path).toBe('/v1/messages');
    expect(main[0]!.sessionId).toBe(r.init.session_id);
    expect(main[0]!.toolNames).toEqual(expect.arrayContaining(['Bash', 'Write', 'Read']));
    expect(main[0]!.body.stream).toBe(true);
  });

  it('tool: Write creates hello.txt (needs acceptEdits; default mode denies it under -p)', async () => {
    const r = await runClaude('please [[script:tool]]', { args: ['--permission-mode', 'acceptEdits'] });
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(r.cwd, 'hello.txt'), 'utf8')).toBe('hello from the scripted model');
    expect(r.result).toMatchObject({ subtype: 'success', result: 'Wrote hello.txt.', num_turns: 2 });
    const toolUse = ofType(r, 'assistant')[0]!.msg.message.content[0];
    expect(toolUse).toMatchObject({ type: 'tool_use', name: 'Write' });

    const denied = await runClaude('[[script:tool]]');
    expect(denied.code).toBe(0);
    expect(fs.existsSync(path.join(denied.cwd, 'hello.txt'))).toBe(false);
    expect(denied.result.subtype).toBe('success');
    expect(denied.result.permission_denials.map((d: any) => d.tool_name)).toEqual(['Write']);
    expect(denied.result.result).toMatch(/^Could not write hello.txt/);
  });

  it('bash: the command output comes back in the result', async () => {
    const r = await runClaude('[[script:bash echo hi]]');
    expect(r.code).toBe(0);
    expect(r.frames.map((f) => f.msg.type)).toEqual(['system', 'assistant', 'user', 'assistant', 'result']);
    const toolResult = ofType(r, 'user')[0]!.msg.message.content[0];
    expect(toolResult).toMatchObject({ type: 'tool_result', content: 'hi', is_error: false });
    expect(r.result).toMatchObject({ subtype: 'success', result: 'Bash output:\nhi', num_turns: 2 });
  });

  it('steps: N tool turns spaced by the delay, then the final text', async () => {
    const r = await runClaude('[[script:steps 3 150]]');
    expect(r.code).toBe(0);
    const toolUses = ofType(r, 'assistant').filter((f) => f.msg.message.content[0].type === 'tool_use');
    expect(toolUses.map((f) => f.msg.message.content[0].input.command)).toEqual(['echo step 1', 'echo step 2', 'echo step 3']);
    expect(toolUses[2]!.t - toolUses[0]!.t).toBeGreaterThanOrEqual(250);
    expect(r.result).toMatchObject({ subtype: 'success', result: 'Done after 3 steps.', num_turns: 4 });
  });

  it('error 500 (permanent): retries as bounded by CLAUDE_CODE_MAX_RETRIES, then exit 1 with an is_error "success" result', async () => {
    model.reset();
    const r = await runClaude('[[script:error 500]]', { env: { CLAUDE_CODE_MAX_RETRIES: '1' } });
    expect(r.code).toBe(1);
    const retries = r.frames.filter((f) => f.msg.type === 'system' && f.msg.subtype === 'api_retry').map((f) => f.msg);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ attempt: 1, max_retries: 1, error_status: 500, error: 'server_error' });
    expect(model.requests.filter((q) => q.script === 'error')).toHaveLength(2);
    // The CLI turns the failure into a synthetic assistant message and a result with subtype "success".
    const last = ofType(r, 'assistant').at(-1)!.msg;
    expect(last.error).toBe('server_error');
    expect(r.result).toMatchObject({
      subtype: 'success',
      is_error: true,
      api_error_status: 500,
      terminal_reason: 'api_error',
      total_cost_usd: 0,
    });
    expect(r.result.result).toMatch(/^API Error: 500 /);
  });

  it('error 429 with N=2: retried, then succeeds', async () => {
    const r = await runClaude('[[script:error 429 2]]', { env: { CLAUDE_CODE_MAX_RETRIES: '3' } });
    expect(r.code).toBe(0);
    const retries = r.frames.filter((f) => f.msg.type === 'system' && f.msg.subtype === 'api_retry');
    expect(retries.map((f) => f.msg.error_status)).toEqual([429, 429]);
    expect(r.result).toMatchObject({ subtype: 'success', is_error: false, result: 'Recovered after 2 failed requests.' });
  });

  it('drop with N=1: a stream cut mid-way is retried by the CLI, then succeeds', async () => {
    model.reset();
    const r = await runClaude('[[script:drop 1]]', { env: { CLAUDE_CODE_MAX_RETRIES: '3' } });
    expect(r.code).toBe(0);
    const retries = r.frames.filter((f) => f.msg.type === 'system' && f.msg.subtype === 'api_retry');
    expect(retries.map((f) => f.msg.error_status)).toEqual([null]);
    expect(model.requests.filter((q) => q.script === 'drop')).toHaveLength(2);
    expect(r.result).toMatchObject({ subtype: 'success', is_error: false, result: 'Recovered after 1 dropped streams.' });
  });

  it('loop with --max-turns 2: error_max_turns, exit 1', async () => {
    const r = await runClaude('[[script:loop]]', { args: ['--max-turns', '2'] });
    expect(r.code).toBe(1);
    expect(r.result).toMatchObject({
      subtype: 'error_max_turns',
      is_error: true,
      num_turns: 3,
      terminal_reason: 'max_turns',
      errors: ['Reached maximum number of turns (2)'],
    });
    expect(r.result.result).toBeUndefined();
  });

  it('spend with --max-budget-usd 0.01: error_max_budget_usd after the first turn, exit 1', async () => {
    const r = await runClaude('[[script:spend]]', { args: ['--max-budget-usd', '0.01'] });
    expect(r.code).toBe(1);
    expect(r.result).toMatchObject({
      subtype: 'error_max_budget_usd',
      is_error: true,
      num_turns: 1,
      terminal_reason: 'budget_exhausted',
      errors: ['Reached maximum budget ($0.01)'],
    });
    // 200k input + 20k output tokens of Sonnet 4.5 at list price.
    expect(r.result.total_cost_usd).toBeCloseTo(0.9, 5);
    expect(r.result.modelUsage[MODEL].inputTokens).toBe(200_000);
  });

  it('slow: text streams before the result (deltas only with --include-partial-messages)', async () => {
    const r = await runClaude('[[script:slow 1500 one two three four five six seven eight nine ten]]', {
      args: ['--include-partial-messages'],
    });
    expect(r.code).toBe(0);
    const deltas = r.frames.filter(
      (f) => f.msg.type === 'stream_event' && f.msg.event?.type === 'content_block_delta',
    );
    expect(deltas.length).toBeGreaterThanOrEqual(5);
    const assistant = ofType(r, 'assistant')[0]!;
    const result = ofType(r, 'result')[0]!;
    expect(assistant.t).toBeLessThanOrEqual(result.t);
    expect(assistantTexts(r)).toEqual(['one two three four five six seven eight nine ten']);
    // The first delta reaches stdout long before the stream ends.
    expect(result.t - deltas[0]!.t).toBeGreaterThan(800);
    expect(r.result.result).toBe('one two three four five six seven eight nine ten');
  });

  it('long: a ~20 KB reply arrives intact', async () => {
    const r = await runClaude('[[script:long 20]]');
    expect(r.code).toBe(0);
    expect(r.result.subtype).toBe('success');
    expect(r.result.result.length).toBe(20 * 1024);
  });

  it('resume from another directory keeps the session and resends history', async () => {
    model.reset();
    const config = cli.tempDir('config');
    const first = await runClaude('first [[script:text answer one]]', { env: { CLAUDE_CONFIG_DIR: config } });
    const sid = first.init.session_id as string;
    const second = await runClaude('second [[script:text answer two]]', {
      env: { CLAUDE_CONFIG_DIR: config },
      args: ['--resume', sid],
    });
    expect(second.code).toBe(0);
    expect(second.init.session_id).toBe(sid);
    expect(second.init.cwd).toBe(fs.realpathSync(second.cwd));
    expect(second.result.result).toBe('answer two');
    const req = model.requests.filter((q) => q.script === 'text').at(-1)!;
    expect(req.body.messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(req.body.messages[1].content[0].text).toBe('answer one');
  });
});
