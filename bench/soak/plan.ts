/**
 * What the soak sends: one planned request per task, drawn from a seeded generator so a run can be repeated. Each
 * prompt carries a nonce (`soak-000042`) that ties the request, the task, the model requests and the output together,
 * and a scripted-model directive (src/demo/scripted-model.ts) that decides how the "model" behaves.
 */

export type FaultKind = 'none' | 'slow' | 'api_error' | 'api_drop' | 'cancel' | 'child_crash';
export type Channel = 'chat' | 'webhook';

export interface PlannedTask {
  index: number;
  nonce: string;
  channel: Channel;
  fault: FaultKind;
  /** The message sent (chat) or the `prompt` field of the webhook payload. */
  prompt: string;
  /** Output of a run that completes. */
  expectedOutput: string;
  /** Main-loop model requests one complete run makes (more than one when the API fails first). */
  requestsPerRun: number;
  /** cancel and child_crash: ms after acceptance (cancel while queued) or after the run is seen running. */
  actAfterMs: number;
  /** Whether the cancel or crash waits until the task runs (a crash always does). */
  whileRunning: boolean;
}

/** mulberry32: small, fast and good enough to pick faults; the same seed gives the same run. */
export function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Share of tasks per fault; the rest run plainly. */
export const FAULT_MIX: Array<[FaultKind, number]> = [
  ['slow', 0.12],
  ['api_error', 0.1],
  ['api_drop', 0.05],
  ['cancel', 0.08],
  ['child_crash', 0.06],
];

function pickFault(r: number): FaultKind {
  let acc = 0;
  for (const [kind, share] of FAULT_MIX) {
    acc += share;
    if (r < acc) return kind;
  }
  return 'none';
}

export function planTasks(count: number, seed: number, webhookShare: number): PlannedTask[] {
  const rand = prng(seed);
  const between = (lo: number, hi: number) => Math.round(lo + rand() * (hi - lo));
  const tasks: PlannedTask[] = [];
  for (let index = 0; index < count; index++) {
    const nonce = `soak-${String(index).padStart(6, '0')}`;
    const channel: Channel = rand() < webhookShare ? 'webhook' : 'chat';
    const fault = pickFault(rand());
    const done = `done ${nonce}`;
    let directive = `text ${done}`;
    let expectedOutput = done;
    let requestsPerRun = 1;
    let actAfterMs = 0;
    let whileRunning = false;
    switch (fault) {
      case 'slow':
        directive = `slow ${between(1000, 4000)} ${done}`;
        break;
      case 'api_error': {
        const failures = between(1, 2);
        directive = `error ${rand() < 0.5 ? 500 : 529} ${failures}`;
        expectedOutput = `Recovered after ${failures} failed requests.`;
        requestsPerRun = failures + 1;
        break;
      }
      case 'api_drop':
        directive = 'drop 1';
        expectedOutput = 'Recovered after 1 dropped streams.';
        requestsPerRun = 2;
        break;
      case 'cancel':
        directive = `slow 5000 ${done}`;
        whileRunning = rand() < 0.7;
        actAfterMs = whileRunning ? between(100, 4000) : between(0, 1000);
        break;
      case 'child_crash':
        directive = `slow 6000 ${done}`;
        whileRunning = true;
        actAfterMs = between(200, 2500);
        break;
      case 'none':
        break;
    }
    tasks.push({ index, nonce, channel, fault, prompt: `Soak task ${nonce}. [[script:${directive}]]`, expectedOutput, requestsPerRun, actAfterMs, whileRunning });
  }
  return tasks;
}

/** The nonce a prompt, task input or model request carries. */
export const NONCE = /soak-\d{6}/;
