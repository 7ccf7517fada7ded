import { describe, expect, it } from 'vitest';
import { canTransition, END_OF_RUN, FINAL_STATUSES, isFinal, type MoveName, moveNamed, MOVES, TASK_STATUSES } from './task-status.js';

describe('task status machine', () => {
  it('allows the documented life: waiting_approval → queued → running → completed | failed | cancelled', () => {
    expect(canTransition('waiting_approval', 'queued')).toBe(true);
    expect(canTransition('queued', 'running')).toBe(true);
    for (const end of ['completed', 'failed', 'cancelled'] as const) expect(canTransition('running', end)).toBe(true);
    expect(canTransition('queued', 'cancelled')).toBe(true);
    expect(canTransition('waiting_approval', 'cancelled')).toBe(true);
    expect(canTransition('running', 'queued')).toBe(true); // an interrupted run's retry
  });

  it('never lets a final task change again', () => {
    for (const from of FINAL_STATUSES) {
      expect(isFinal(from)).toBe(true);
      for (const to of TASK_STATUSES) expect(canTransition(from, to)).toBe(false);
    }
    for (const move of Object.values(MOVES)) for (const from of move.from) expect(isFinal(from)).toBe(false);
  });

  it('rejects skipping the queue or un-finishing', () => {
    expect(canTransition('queued', 'completed')).toBe(false);
    expect(canTransition('waiting_approval', 'running')).toBe(false);
    expect(canTransition('cancelled', 'completed')).toBe(false);
  });

  it('names who moves a task: a move to `queued` does not accept every source that can reach `queued`', () => {
    // The finding: approve's sources were derived from its target, so a running task could be approved again.
    expect(MOVES.approve.from).toEqual(['waiting_approval']);
    expect(MOVES.requeueInterrupted.from).toEqual(['running']);
    expect(MOVES.claim).toEqual({ from: ['queued'], to: 'running', unlessCancelRequested: true });
    expect(MOVES.cancelPending.from).not.toContain('running');
    expect(MOVES.reject.from).toEqual(['waiting_approval']);
    for (const [status, name] of Object.entries(END_OF_RUN)) expect(MOVES[name]).toEqual({ from: ['running'], to: status });
  });

  it('treats a move that is not in the table as a programming error', () => {
    expect(moveNamed('approve')).toBe(MOVES.approve);
    expect(() => moveNamed('queued' as MoveName)).toThrow('"queued" is not a task move');
    expect(() => moveNamed('toString' as MoveName)).toThrow(/not a task move/);
  });
});
