/**
 * The soak's verdict, read back through the API once the service has drained: every request that got a 2xx has its
 * task (not lost), no request made two tasks and no task asked the model or answered more often than its runs explain
 * (not duplicated), nothing is left queued or running (not stuck), and every task ended in a status its fault allows.
 */
import type { ScriptedModel } from '../../src/demo/scripted-model.js';
import type { Sent } from './driver.js';
import { NONCE } from './plan.js';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export interface Finding {
  nonce: string;
  taskId?: string;
  what: string;
}

export interface Verdict {
  tasks: number;
  byStatus: Record<string, number>;
  lost: Finding[];
  duplicated: Finding[];
  stuck: Finding[];
  /** Ended in a status or with an output its fault does not explain (reported; not a loss). */
  unexpected: Finding[];
  /**
   * Finished without a reply in their conversation: the worker writes one when it finishes a run, but a task
   * cancelled while queued, or failed or cancelled by start-up recovery, gets none (reported, not counted as lost).
   */
  noReply: Finding[];
  /** Tasks that ran more than once (interrupted by a restart, then run again). */
  rerun: number;
  /** Chat requests cut off by a restart that turned out to have made their task anyway. */
  unansweredWithTask: number;
  modelRequests: number;
}

/** Counts main-loop model requests per nonce as they come, so the model's request log can be emptied as it goes. */
export class ModelRequestCounter {
  readonly perNonce = new Map<string, number>();
  total = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly model: ScriptedModel) {}

  start(): void {
    this.timer = setInterval(() => this.collect(), 1000);
  }

  collect(): void {
    const requests = this.model.requests.splice(0);
    for (const r of requests) {
      if (r.script === undefined) continue; // a side request (title, probe): not the agent loop
      this.total++;
      const nonce = NONCE.exec(JSON.stringify(r.body?.messages ?? ''))?.[0];
      if (nonce) this.perNonce.set(nonce, (this.perNonce.get(nonce) ?? 0) + 1);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.collect();
  }
}

export async function verify(baseUrl: string, sent: Sent[], counter: ModelRequestCounter): Promise<Verdict> {
  const get = async (path: string) => (await fetch(`${baseUrl}${path}`)).json() as Promise<any>;
  const byNonce = new Map<string, any[]>();
  let tasks = 0;
  for (let cursor: string | undefined; ; ) {
    const page = await get(`/api/tasks?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const t of page.tasks as any[]) {
      tasks++;
      // Chat tasks carry it in their message; webhook tasks in their delivery id (their message is the event type).
      const nonce = NONCE.exec(t.input_message)?.[0] ?? NONCE.exec(JSON.stringify(t.source_metadata ?? ''))?.[0] ?? '(none)';
      byNonce.set(nonce, [...(byNonce.get(nonce) ?? []), t]);
    }
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }

  const v: Verdict = { tasks, byStatus: {}, lost: [], duplicated: [], stuck: [], unexpected: [], noReply: [], rerun: 0, unansweredWithTask: 0, modelRequests: counter.total };
  for (const t of byNonce.get('(none)') ?? []) v.duplicated.push({ nonce: '(none)', taskId: t.task_id, what: 'a task no request of the soak asked for' });

  for (const s of sent) {
    const { nonce } = s.plan;
    const found = byNonce.get(nonce) ?? [];
    const answered = s.status !== undefined && s.status < 300;
    if (answered && s.taskId && !found.some((t) => t.task_id === s.taskId)) v.lost.push({ nonce, taskId: s.taskId, what: `answered ${s.status} with this task, which does not exist` });
    if (answered && !s.taskId && found.length === 0) v.lost.push({ nonce, what: `answered ${s.status} without a task id, and no task has this request` });
    if (found.length > 1) v.duplicated.push({ nonce, what: `${found.length} tasks for one request (${s.plan.channel}, ${s.tries} tries)` });
    if (!answered && found.length > 0) v.unansweredWithTask++;

    let runs = 0;
    for (const t of found) {
      v.byStatus[t.status] = (v.byStatus[t.status] ?? 0) + 1;
      runs += t.attempts;
      if (t.attempts > 1) v.rerun++;
      if (!TERMINAL.has(t.status)) v.stuck.push({ nonce, taskId: t.task_id, what: `still ${t.status} after the drain` });
      else checkEnd(s, t, v);
      if (TERMINAL.has(t.status)) await checkEvents(get, nonce, t, v);
      if (t.conversation_id && TERMINAL.has(t.status)) {
        const { messages } = await get(`/api/conversations/${t.conversation_id}/messages`);
        const results = (messages as any[]).filter((m) => m.role === 'assistant' && m.task_id === t.task_id).length;
        if (results > 1) v.duplicated.push({ nonce, taskId: t.task_id, what: `${results} results in its conversation` });
        if (results === 0) v.noReply.push({ nonce, taskId: t.task_id, what: `${t.status} (${t.outcome}, ${t.attempts} attempt(s)) with no reply in its conversation` });
      }
    }
    const requests = counter.perNonce.get(nonce) ?? 0;
    if (requests > runs * s.plan.requestsPerRun) {
      v.duplicated.push({ nonce, what: `${requests} model requests for ${runs} run(s) of ${s.plan.requestsPerRun} request(s)` });
    }
  }
  return v;
}

/** Whether a finished task ended as its fault allows. */
function checkEnd(s: Sent, t: any, v: Verdict): void {
  const { fault, nonce, expectedOutput } = s.plan;
  const interrupted = t.status === 'failed' && t.outcome === 'interrupted';
  if (t.status === 'completed' && t.output !== expectedOutput) {
    v.unexpected.push({ nonce, taskId: t.task_id, what: `completed with output ${JSON.stringify(String(t.output).slice(0, 120))}` });
    return;
  }
  const allowed =
    t.status === 'completed' ||
    interrupted ||
    (fault === 'cancel' && t.status === 'cancelled') ||
    (fault === 'child_crash' && t.status === 'failed' && s.acted === 'applied');
  if (!allowed) v.unexpected.push({ nonce, taskId: t.task_id, what: `${fault}: ${t.status} (${t.outcome}): ${String(t.error ?? '').slice(0, 200)}` });
}

/** The task's stored stream: numbered 1, 2, 3… with no gap, and no more results than runs. */
async function checkEvents(get: (path: string) => Promise<any>, nonce: string, t: any, v: Verdict): Promise<void> {
  let after = 0;
  let results = 0;
  for (;;) {
    const page = await get(`/api/tasks/${t.task_id}/events?after=${after}&limit=1000`);
    for (const e of page.events as any[]) {
      if (e.seq !== after + 1) v.lost.push({ nonce, taskId: t.task_id, what: `event ${after + 1} missing (next stored is ${e.seq})` });
      after = e.seq;
      if (e.item?.kind === 'result') results++;
    }
    if (!page.has_more) break;
  }
  if (results > Math.max(1, t.attempts)) v.duplicated.push({ nonce, taskId: t.task_id, what: `${results} results stored for ${t.attempts} run(s)` });
}
