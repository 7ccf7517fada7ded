import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { plural } from '../../lib/format';
import type { OutputEvent } from '../../lib/task-feed';
import { FOLD_CHARS, Markdown } from '../markdown';
import { cx } from '../ui';
import { type Block, buildBlocks, formatInput, isLong, toolSummary } from './blocks';
import { ResultLine, type TaskFigures } from './result-line';
import { editsOf, ToolDiff } from './tool-diff';

/** `<details>` whose open state starts from `initiallyOpen` and then belongs to the reader. */
function Fold({ summary, initiallyOpen, children, className }: { summary: ReactNode; initiallyOpen: boolean; children: ReactNode; className?: string }) {
  const [open, setOpen] = useState(initiallyOpen);
  return (
    <details open={open} onToggle={(e) => setOpen(e.currentTarget.open)} className={className}>
      <summary className="select-none text-xs text-stone-600">{summary}</summary>
      {open && children}
    </details>
  );
}

function Code({ text, tone = 'dark' }: { text: string; tone?: 'dark' | 'error' }) {
  return (
    <pre className={cx('mt-1 max-h-80 overflow-auto whitespace-pre-wrap break-words rounded p-2 font-mono text-xs leading-5', tone === 'error' ? 'bg-red-950 text-red-100' : 'bg-stone-900 text-stone-100')}>
      {text || '(empty)'}
    </pre>
  );
}

function lineCount(s: string): number {
  return s ? s.split('\n').length : 0;
}

function ToolBlock({ block }: { block: Extract<Block, { kind: 'tool' }> }) {
  const input = block.input === undefined ? '' : formatInput(block.input);
  const summary = toolSummary(block.name, block.input);
  const result = block.result;
  // Write and Edit calls show what they change as a diff rather than their raw input.
  const edits = editsOf(block.name, block.input);
  return (
    <div data-block="tool" className={cx('rounded-md border bg-white px-3 py-2', result?.is_error ? 'border-red-200' : 'border-stone-200', block.subagent && 'ml-4')}>
      <div className="flex min-w-0 items-baseline gap-2 text-sm">
        <span className="shrink-0 rounded bg-stone-800 px-1.5 py-0.5 font-mono text-xs text-white">{block.name}</span>
        <span className="min-w-0 truncate font-mono text-xs text-stone-600" title={summary}>
          {summary}
        </span>
        {!result && <span className="ml-auto shrink-0 text-xs text-indigo-700">running…</span>}
        {result?.is_error && <span className="ml-auto shrink-0 text-xs font-medium text-red-700">error</span>}
      </div>
      {edits && <ToolDiff edits={edits} />}
      {input && !edits && (
        <Fold initiallyOpen={!isLong(input)} summary={`Input${isLong(input) ? ` (${plural(lineCount(input), 'line')}, folded)` : ''}`} className="mt-1">
          <Code text={input} />
        </Fold>
      )}
      {result && (
        <Fold initiallyOpen={!isLong(result.content)} summary={`Result${isLong(result.content) ? ` (${plural(lineCount(result.content), 'line')}, folded)` : ''}${result.truncated ? ' — truncated by the service' : ''}`} className="mt-1">
          <Code text={result.content} tone={result.is_error ? 'error' : 'dark'} />
        </Fold>
      )}
    </div>
  );
}

function BlockView({ block, figures }: { block: Block; figures?: TaskFigures }) {
  switch (block.kind) {
    case 'text':
      return (
        <div data-block="text" data-streaming={block.streaming || undefined} className={cx('break-words text-sm leading-6 text-stone-900', block.subagent && 'ml-4 border-l-2 border-stone-200 pl-3 text-stone-700')}>
          {/* Long text still arriving stays plain: re-rendering Markdown on every delta of a huge reply costs more than it shows. */}
          {block.streaming && block.text.length > FOLD_CHARS ? <div className="whitespace-pre-wrap">{block.text}</div> : <Markdown text={block.text} fold={!block.streaming} />}
          {block.streaming && <span className="ml-0.5 inline-block h-4 w-1.5 translate-y-0.5 animate-pulse bg-orange-600" aria-label="streaming" />}
        </div>
      );
    case 'thinking':
      return (
        <Fold initiallyOpen={false} summary="Thinking" className="rounded-md bg-stone-100 px-3 py-1.5">
          <p className="mt-1 whitespace-pre-wrap text-xs italic text-stone-600">{block.text}</p>
        </Fold>
      );
    case 'tool':
      return <ToolBlock block={block} />;
    case 'result':
      return <ResultLine item={block.item} figures={figures} />;
    case 'init':
      return (
        <p data-block="init" className="text-xs text-stone-500">
          Session started · {block.item.model ?? 'default model'} · {plural(block.item.tools.length, 'tool')}
          {block.item.agents.length > 0 && (
            <span title={block.item.agents.join(', ')}>
              {' · '}
              {plural(block.item.agents.length, 'agent')}
            </span>
          )}
          {block.item.permission_mode && ` · ${block.item.permission_mode}`}
        </p>
      );
    case 'note':
      return block.tone === 'stderr' ? (
        <Fold initiallyOpen={!isLong(block.text)} summary="stderr" className="text-xs">
          <Code text={block.text} tone="error" />
        </Fold>
      ) : (
        <p data-block="status" className="text-xs italic text-stone-500">
          {block.text}
        </p>
      );
  }
}

/**
 * A run as it happens: streaming text, tool calls with inputs and results (long ones folded), the final result. With
 * the task's `figures`, the result line shows this run's own cost, tokens and wall time, not only the session's.
 */
export function StreamView({ events, follow = true, figures }: { events: readonly OutputEvent[]; follow?: boolean; figures?: TaskFigures }) {
  const blocks = useMemo(() => buildBlocks(events), [events]);
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Keep the newest output in view while the reader has not scrolled away from the bottom.
    const el = end.current;
    // Inside a scrolling panel, that panel; otherwise (the chat) the page itself.
    const scroller = (el?.closest('[data-scroll]') as HTMLElement | null) ?? (document.scrollingElement as HTMLElement | null);
    if (!follow || !el || !scroller) return;
    if (scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 160) scroller.scrollTop = scroller.scrollHeight;
  }, [blocks, follow]);
  return (
    <div className="flex flex-col gap-2" data-testid="stream">
      {blocks.map((b) => (
        <BlockView key={b.key} block={b} figures={figures} />
      ))}
      <div ref={end} />
    </div>
  );
}
