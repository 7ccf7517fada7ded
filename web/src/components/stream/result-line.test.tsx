// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResultItem } from '../../lib/contracts';
import { ResultLine, type TaskFigures } from './result-line';

afterEach(cleanup);

// What Claude Code reports at the end of a resumed run: the whole session's cost and tokens.
const resumed: ResultItem = {
  kind: 'result',
  subtype: 'success',
  is_error: false,
  total_cost_usd: 0.0309,
  num_turns: 1,
  duration_ms: 9_800,
  usage: { input_tokens: 3_000, output_tokens: 900, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
};
// What the service recorded for this run alone (src/worker/steps/run.ts).
const own: TaskFigures = { cost_usd: 0.0042, input_tokens: 1_200, output_tokens: 300, cache_read_tokens: 0, cache_creation_tokens: 0, started_at: '2026-11-24T07:00:00Z', completed_at: '2026-11-24T07:00:12Z' };

const line = (el: HTMLElement) => el.querySelector('[data-block="result"]')!.textContent;

describe('the result line', () => {
  it("puts the task's own cost, tokens and wall time first, and labels the session's totals", () => {
    const { container } = render(<ResultLine item={resumed} figures={own} />);
    expect(line(container)).toBe('Finished · this run $0.0042 · 1 turn · 12 s wall · 9.8 s CLI · 1.2K in / 300 out tokens · session total $0.0309, 3K in / 900 out tokens');
  });

  it('says a first run’s figures once', () => {
    const first = { ...own, cost_usd: resumed.total_cost_usd, input_tokens: 3_000, output_tokens: 900 };
    const { container } = render(<ResultLine item={resumed} figures={first} />);
    expect(line(container)).not.toContain('session total');
  });

  it('an API error that ends with subtype "success" reads as an error, not "(success)"', () => {
    const { container } = render(<ResultLine item={{ ...resumed, is_error: true, errors: ['Not logged in'] }} />);
    expect(line(container)).toMatch(/^Ended with an error · 1 turn/);
    expect(line(container)).not.toContain('(success)');
  });
});
