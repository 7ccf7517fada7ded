import { describe, expect, it } from 'vitest';
import type { ResultItem } from '../contracts/stream-item.js';
import { classify } from './outcome.js';

const result = (extra: Partial<ResultItem>): ResultItem => ({
  kind: 'result',
  subtype: 'success',
  is_error: false,
  result: 'done',
  total_cost_usd: 0.01,
  num_turns: 1,
  duration_ms: 10,
  usage: { input_tokens: 1, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  ...extra,
});
const run = (extra: object) => ({ exitCode: 0, signal: null, stderrTail: '', ...extra });

describe('classify a finished run', () => {
  it('success with text is completed/success; without text completed/empty', () => {
    expect(classify(run({ result: result({}) }), 60)).toMatchObject({ status: 'completed', outcome: 'success', output: 'done' });
    expect(classify(run({ result: result({ result: '  ' }) }), 60)).toMatchObject({ status: 'completed', outcome: 'empty' });
  });

  it('an error result is failed with the reason, never completed', () => {
    const c = classify(run({ exitCode: 1, result: result({ subtype: 'error_max_turns', is_error: true, result: undefined, errors: ['Reached maximum number of turns (2)'] }) }), 60);
    expect(c).toMatchObject({ status: 'failed', outcome: 'error', error: 'error_max_turns: Reached maximum number of turns (2)' });
    expect(classify(run({ result: result({ is_error: true, result: 'API Error: 500' }) }), 60)).toMatchObject({ status: 'failed', error: 'API Error: 500' });
    expect(classify(run({ exitCode: 1, result: result({ subtype: 'error_max_budget_usd', is_error: true }) }), 60)).toMatchObject({ outcome: 'budget' });
  });

  it('a child that dies without a result is failed with its stderr tail', () => {
    expect(classify(run({ exitCode: 2, stderrTail: 'boom' }), 60)).toMatchObject({ status: 'failed', error: 'Claude Code exited with code 2 without a result:\nboom' });
    expect(classify(run({ spawnError: 'could not start /nope: ENOENT' }), 60)).toMatchObject({ status: 'failed', error: 'could not start /nope: ENOENT' });
  });

  it('stops say who stopped the run', () => {
    expect(classify(run({ stoppedFor: 'cancelled', signal: 'SIGTERM' }), 60, 'cancelled by alice')).toMatchObject({ status: 'cancelled', error: 'cancelled by alice' });
    expect(classify(run({ stoppedFor: 'timeout' }), 60)).toMatchObject({ status: 'failed', outcome: 'timeout', error: expect.stringContaining('60 s') });
    expect(classify(run({ stoppedFor: 'shutdown' }), 60)).toMatchObject({ status: 'interrupted' });
  });
});
