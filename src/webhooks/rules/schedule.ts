// Cron schedules of rules (issue 15 item 7), read with croner: a maintained parser, not a hand-written one. UTC, so
// every worker reads a schedule the same way whatever its machine's zone.
import { Cron } from 'croner';

function cron(expression: string): Cron {
  return new Cron(expression, { paused: true, timezone: 'UTC' });
}

/** Why a cron expression is not one ('schedule: Invalid value for minute: 61'), or undefined when it is. */
export function scheduleProblem(expression: string): string | undefined {
  try {
    if (!cron(expression).nextRun()) return 'schedule: the expression never fires';
    return undefined;
  } catch (err) {
    return `schedule: ${(err as Error).message}`;
  }
}

/** The next `count` times a schedule fires after `from` (ISO); empty for none or an expression that no longer parses. */
export function nextRuns(expression: string | null, count = 3, from = new Date()): string[] {
  if (!expression || scheduleProblem(expression)) return [];
  return cron(expression).nextRuns(count, from).map((d) => d.toISOString());
}

/** The slots (epoch ms) in (after, upTo]: the firings due, oldest first, at most `limit`. */
export function dueSlots(expression: string, after: number, upTo: number, limit = 10): number[] {
  const c = cron(expression);
  const slots: number[] = [];
  let next = c.nextRun(new Date(after));
  while (next && next.getTime() <= upTo && slots.length < limit) {
    slots.push(next.getTime());
    next = c.nextRun(next);
  }
  return slots;
}
