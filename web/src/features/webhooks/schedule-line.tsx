import { fullTime } from '../../lib/format';

/** A scheduled rule's cron expression and its next runs (the service computes them, in UTC). */
export function ScheduleLine({ schedule, nextRuns }: { schedule: string | null; nextRuns: string[] }) {
  if (!schedule) return null;
  return (
    <p className="mt-1 text-xs text-stone-600" data-schedule>
      ⏰ <span className="font-mono">{schedule}</span> (UTC) · next: {nextRuns.length ? nextRuns.map((t) => fullTime(t)).join(', ') : 'never'}
    </p>
  );
}
