import type { ResultItem, TaskView } from '../../lib/contracts';
import { compact, duration, durations, plural, usd, wallMs } from '../../lib/format';
import { cx } from '../ui';

/** A task's own figures (src/worker/steps/run.ts: this run's share of the session), to set beside the CLI's result. */
export type TaskFigures = Pick<TaskView, 'cost_usd' | 'input_tokens' | 'output_tokens' | 'cache_read_tokens' | 'cache_creation_tokens' | 'started_at' | 'completed_at'>;

const tokens = (input: number, output: number) => `${compact(input)} in / ${compact(output)} out tokens`;

/**
 * The end of a run. Claude Code reports cost and tokens cumulatively over a resumed session, so its figures are
 * labelled "session total"; with the task at hand, this run's own cost, tokens and wall time come first.
 */
export function ResultLine({ item: r, figures }: { item: ResultItem; figures?: TaskFigures }) {
  const sessionIn = r.usage.input_tokens + r.usage.cache_read_input_tokens + r.usage.cache_creation_input_tokens;
  const session = `session total ${usd(r.total_cost_usd)}, ${tokens(sessionIn, r.usage.output_tokens)}`;
  // An API error ends with subtype "success" and is_error: the subtype then says nothing.
  const ending = r.is_error ? (r.subtype === 'success' ? 'Ended with an error' : `Ended with an error (${r.subtype})`) : 'Finished';
  const parts = [plural(r.num_turns, 'turn')];
  if (figures) {
    const own = figures.input_tokens + figures.cache_read_tokens + figures.cache_creation_tokens;
    parts.unshift(`this run ${usd(figures.cost_usd)}`);
    parts.push(durations(wallMs(figures.started_at, figures.completed_at), r.duration_ms), tokens(own, figures.output_tokens));
    // A first run's figures are the session's: say them once.
    if (Math.abs(figures.cost_usd - r.total_cost_usd) > 1e-9 || own !== sessionIn) parts.push(session);
  } else {
    parts.push(`${duration(r.duration_ms)} CLI`, session);
  }
  return (
    <div data-block="result" className={cx('rounded-md px-3 py-2 text-xs', r.is_error ? 'bg-red-50 text-red-800' : 'bg-emerald-50 text-emerald-900')}>
      <span className="font-medium">{ending}</span> · {parts.join(' · ')}
      {r.errors && r.errors.length > 0 && <p className="mt-1">{r.errors.join('; ')}</p>}
    </div>
  );
}
