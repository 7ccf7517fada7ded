// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamItem } from '../../lib/contracts';
import type { OutputEvent } from '../../lib/task-feed';
import { buildBlocks } from './blocks';
import { StreamView } from './stream-view';

// Testing Library cleans up by itself only with vitest globals on; this config keeps them off.
afterEach(cleanup);

const events = (...items: StreamItem[]): OutputEvent[] => items.map((item, i) => ({ seq: i + 1, item }));
const delta = (text: string): StreamItem => ({ kind: 'text_delta', text });

describe('stream renderer', () => {
  it('grows one text block from text_deltas, then replaces it with the final text (no doubled text)', () => {
    const streaming = events(delta('The quick '), delta('brown '), delta('fox'));
    const { rerender, container } = render(<StreamView events={streaming} />);
    const block = () => container.querySelectorAll('[data-block="text"]');
    expect(block()).toHaveLength(1);
    expect(block()[0]!.textContent).toBe('The quick brown fox');
    expect(block()[0]!.getAttribute('data-streaming')).toBe('true');
    expect(screen.getByLabelText('streaming')).toBeTruthy();

    rerender(<StreamView events={[...streaming, { seq: 4, item: { kind: 'text', text: 'The quick brown fox.' } }]} />);
    expect(block()).toHaveLength(1);
    expect(block()[0]!.textContent).toBe('The quick brown fox.');
    expect(block()[0]!.hasAttribute('data-streaming')).toBe(false);
  });

  it('starts a new text block after a tool call', () => {
    const blocks = buildBlocks(
      events(
        delta('Let me look. '),
        { kind: 'text', text: 'Let me look.' },
        { kind: 'tool_use', id: 'tu1', name: 'Bash', input: { command: 'ls' } },
        { kind: 'tool_result', tool_use_id: 'tu1', content: 'README.md', is_error: false },
        delta('Found '),
        delta('it.'),
      ),
    );
    expect(blocks.map((b) => b.kind)).toEqual(['text', 'tool', 'text']);
    expect(blocks[0]).toMatchObject({ text: 'Let me look.', streaming: false });
    expect(blocks[1]).toMatchObject({ name: 'Bash', result: { content: 'README.md', is_error: false } });
    expect(blocks[2]).toMatchObject({ text: 'Found it.', streaming: true });
  });

  it('shows a tool call with its input and result, folding the long parts', () => {
    const long = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n');
    const { container } = render(
      <StreamView
        events={events(
          { kind: 'tool_use', id: 'a', name: 'Bash', input: { command: 'echo step 1' } },
          { kind: 'tool_result', tool_use_id: 'a', content: 'step 1', is_error: false },
          { kind: 'tool_use', id: 'b', name: 'Read', input: { file_path: '/repo/big.txt' } },
          { kind: 'tool_result', tool_use_id: 'b', content: long, is_error: false },
          { kind: 'tool_use', id: 'c', name: 'Bash', input: { command: 'false' } },
          { kind: 'tool_result', tool_use_id: 'c', content: 'exit 1', is_error: true },
        )}
      />,
    );
    const tools = container.querySelectorAll('[data-block="tool"]');
    expect(tools).toHaveLength(3);
    // Short input and result: open, visible.
    expect(tools[0]!.textContent).toContain('echo step 1');
    expect(tools[0]!.querySelectorAll('details[open]')).toHaveLength(2);
    expect(tools[0]!.querySelector('pre')!.textContent).toBe('command: echo step 1');
    // A 40-line result starts folded: its summary says so and its lines are not rendered until opened.
    const folded = [...tools[1]!.querySelectorAll('details')].find((d) => !d.open)!;
    expect(folded.querySelector('summary')!.textContent).toBe('Result (40 lines, folded)');
    expect(tools[1]!.textContent).not.toContain('line 40');
    fireEvent.click(folded.querySelector('summary')!);
    fireEvent(folded, new Event('toggle'));
    expect(tools[1]!.textContent).toContain('line 40');
    // A failed tool says so.
    expect(tools[2]!.textContent).toContain('error');
    expect(tools[2]!.querySelector('pre.bg-red-950')?.textContent).toBe('exit 1');
  });

  it('marks a tool call still waiting for its result, and shows the final result line', () => {
    const { container } = render(
      <StreamView
        events={events(
          { kind: 'tool_use', id: 'a', name: 'Bash', input: { command: 'sleep 5' } },
          { kind: 'status', message: 'retrying after an API error' },
          {
            kind: 'result',
            subtype: 'success',
            is_error: false,
            result: 'done',
            total_cost_usd: 0.0123,
            num_turns: 2,
            duration_ms: 4200,
            usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
          },
        )}
      />,
    );
    expect(container.querySelector('[data-block="tool"]')!.textContent).toContain('running…');
    expect(container.querySelector('[data-block="status"]')!.textContent).toBe('retrying after an API error');
    expect(container.querySelector('[data-block="result"]')!.textContent).toBe('Finished · 2 turns · 4.2 s CLI · session total $0.0123, 10 in / 5 out tokens');
  });
});
