export const TASK_STATUSES = ['waiting_approval', 'queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const FINAL_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

/** A legal status change: the statuses it may start from and the one it ends in. */
export interface Move {
  readonly from: readonly TaskStatus[];
  readonly to: TaskStatus;
  /** The move also needs the task to carry no recorded cancel (a task being cancelled is never started). */
  readonly unlessCancelRequested?: boolean;
}

/**
 * The one place that says who may move a task, from where, to where. Every status change in the database is a
 * conditional update on one of these moves (`WHERE status IN (from)`), so a move decided on a stale read loses
 * instead of undoing someone else's: an approve that comes late finds the task running and changes nothing, and a
 * cancel and a claim that race have exactly one winner. Final statuses are never a source.
 */
export const MOVES = {
  /** Someone with the right to approve lets a waiting task into the queue. */
  approve: { from: ['waiting_approval'], to: 'queued' },
  /** A waiting task is turned down (reject in the dashboard, `@agent reject`, the Slack button). */
  reject: { from: ['waiting_approval'], to: 'cancelled' },
  /** A worker takes a queued task; a cancel recorded before the claim wins. */
  claim: { from: ['queued'], to: 'running', unlessCancelRequested: true },
  /** A task waiting for its sender's permission fails when the provider could not be asked for long (webhooks/permission-wait.ts). */
  failWaiting: { from: ['waiting_approval'], to: 'failed' },
  /** A task that has not started is cancelled at once (cancel, approval timeout, a recorded cancel left behind). */
  cancelPending: { from: ['waiting_approval', 'queued'], to: 'cancelled' },
  /** The worker running the task reports how the run ended. */
  complete: { from: ['running'], to: 'completed' },
  fail: { from: ['running'], to: 'failed' },
  cancelRun: { from: ['running'], to: 'cancelled' },
  /** A run interrupted by a crash or shutdown goes back to the queue for its single retry. */
  requeueInterrupted: { from: ['running'], to: 'queued' },
} as const satisfies Record<string, Move>;

export type MoveName = keyof typeof MOVES;

/** The move that records how a run ended. */
export const END_OF_RUN = { completed: 'complete', failed: 'fail', cancelled: 'cancelRun' } as const satisfies Record<string, MoveName>;

/** The move of that name; an unknown name (only reachable through a cast) is a programming error, never a client's. */
export function moveNamed(name: MoveName): Move {
  const move: Move | undefined = Object.hasOwn(MOVES, name) ? MOVES[name] : undefined;
  if (!move) throw new Error(`"${String(name)}" is not a task move; every status change is one of MOVES in src/domain/task-status.ts`);
  return move;
}

/** Whether some move takes a task from `from` to `to`. */
export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return Object.values(MOVES).some((m: Move) => m.to === to && m.from.includes(from));
}

export function isFinal(status: TaskStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
