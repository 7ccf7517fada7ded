import { describe, expect, it } from 'vitest';
import { canTransition, isFinal, sourcesOf, TASK_STATUSES } from './task-status.js';

describe('task status machine', () => {
  it('allows the documented life: queued → running → completed | failed | cancelled', () => {
    expect(canTransition('queued', 'running')).toBe(true);
    for (const end of ['completed', 'failed', 'cancelled'] as const) expect(canTransition('running', end)).toBe(true);
    expect(canTransition('queued', 'cancelled')).toBe(true);
    expect(canTransition('waiting_approval', 'queued')).toBe(true);
    expect(canTransition('waiting_approval', 'cancelled')).toBe(true);
  });

  it('never lets a final task change again', () => {
    for (const from of ['completed', 'failed', 'cancelled'] as const) {
      expect(isFinal(from)).toBe(true);
      for (const to of TASK_STATUSES) expect(canTransition(from, to)).toBe(false);
    }
  });

  it('rejects skipping the queue or un-finishing', () => {
    expect(canTransition('queued', 'completed')).toBe(false);
    expect(canTransition('waiting_approval', 'running')).toBe(false);
    expect(canTransition('cancelled', 'completed')).toBe(false);
  });

  it('lists the sources of a move for conditional updates', () => {
    expect(sourcesOf('completed')).toEqual(['running']);
    expect(sourcesOf('cancelled').sort()).toEqual(['queued', 'running', 'waiting_approval']);
    expect(sourcesOf('running')).toEqual(['queued']);
  });
});
