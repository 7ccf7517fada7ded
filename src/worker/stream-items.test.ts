import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../paths.js';
import { toItems } from './stream-items.js';

const fixtures = path.join(projectRoot, 'test', 'fixtures', 'claude');
const transcript = (name: string) =>
  fs.readFileSync(path.join(fixtures, name), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as unknown);
const itemsOf = (name: string) => transcript(name).flatMap(toItems);

describe('stream-json → items (real Claude Code 2.1.197 transcripts)', () => {
  it('reads a text run: init, text, result with cost and tokens', () => {
    const items = itemsOf('stream-json-text.jsonl');
    expect(items.map((i) => i.kind)).toEqual(['init', 'text', 'result']);
    expect(items[0]).toMatchObject({ kind: 'init', session_id: 'ab959fe1-ebd6-4af8-abb9-14fc2b322524', model: 'claude-sonnet-4-5' });
    expect(items[1]).toMatchObject({ kind: 'text', text: 'Hello from the test API.' });
    expect(items[2]).toMatchObject({
      kind: 'result',
      subtype: 'success',
      is_error: false,
      result: 'Hello from the test API.',
      total_cost_usd: 0.000141,
      num_turns: 1,
      usage: { input_tokens: 12, output_tokens: 7 },
    });
  });

  it('reads a tool round trip', () => {
    const items = itemsOf('stream-json-tool.jsonl');
    expect(items.map((i) => i.kind)).toEqual(['init', 'tool_use', 'tool_result', 'text', 'result']);
    expect(items[1]).toMatchObject({ kind: 'tool_use', name: 'Bash', input: { command: 'echo hi' } });
    expect(items[2]).toMatchObject({ kind: 'tool_result', content: 'hi', is_error: false, tool_use_id: (items[1] as { id: string }).id });
  });

  it('marks error_max_turns as an error with its reason and no result text', () => {
    const result = itemsOf('stream-json-error-max-turns.jsonl').at(-1);
    expect(result).toMatchObject({ kind: 'result', subtype: 'error_max_turns', is_error: true, num_turns: 3, errors: ['Reached maximum number of turns (2)'] });
    expect(result).not.toHaveProperty('result', expect.anything());
  });

  it('keeps a refused tool as an error tool_result while the run succeeds', () => {
    const items = itemsOf('stream-json-tool-not-enabled.jsonl');
    expect(items.find((i) => i.kind === 'tool_result')).toMatchObject({ is_error: true, content: expect.stringContaining('No such tool available: Bash') });
    expect(items.at(-1)).toMatchObject({ kind: 'result', is_error: false });
  });

  it('lists the agents and skills a run loaded', () => {
    const init = itemsOf('stream-json-agents-skills.jsonl')[0];
    expect(init).toMatchObject({ kind: 'init' });
    if (init?.kind !== 'init') throw new Error('no init');
    expect(init.agents).toContain('code-reviewer');
    expect(init.skills[0]).toBe('triage-issue');
  });

  it('streams text deltas and reports API retries', () => {
    expect(toItems({ type: 'stream_event', event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } }, parent_tool_use_id: null })).toEqual([
      { kind: 'text_delta', text: 'Hel' },
    ]);
    expect(toItems({ type: 'stream_event', event: { type: 'content_block_delta', delta: { type: 'input_json_delta', partial_json: '{' } } })).toEqual([]);
    expect(toItems({ type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 10, retry_delay_ms: 540, error_status: 529, error: 'overloaded' })).toEqual([
      { kind: 'status', message: 'Anthropic API overloaded (529); retrying (attempt 1 of 10) in 0.5 s.' },
    ]);
    expect(toItems({ type: 'system', subtype: 'api_retry', attempt: 2, max_retries: 10, retry_delay_ms: 1200, error_status: 429, error: 'rate_limit' })).toEqual([
      { kind: 'status', message: 'Anthropic API rate limit reached (429); retrying (attempt 2 of 10) in 1.2 s.' },
    ]);
    expect(toItems({ type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 2, retry_delay_ms: 500, error_status: 500, error: 'server_error' })).toEqual([
      { kind: 'status', message: 'Anthropic API answered 500 (server_error); retrying (attempt 1 of 2) in 0.5 s.' },
    ]);
  });

  it('ignores unknown message types and malformed input', () => {
    expect(toItems({ type: 'stream_event', event: {} })).toEqual([]);
    expect(toItems({ type: 'system', subtype: 'compact_boundary' })).toEqual([]);
    expect(toItems(null)).toEqual([]);
    expect(toItems('text')).toEqual([]);
  });

  it('truncates huge tool output in the event', () => {
    const [item] = toItems({ type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 't', content: 'x'.repeat(50_000) }] } });
    expect(item).toMatchObject({ kind: 'tool_result', truncated: true });
    expect((item as { content: string }).content.length).toBeLessThan(21_000);
  });
});
