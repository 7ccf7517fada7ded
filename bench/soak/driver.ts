/**
 * Sends the planned tasks through the real HTTP API (POST /api/chat and signed generic webhooks), keeps a bounded
 * number of them open, and injects the faults the soak does not leave to the scripted model: cancels, Claude Code
 * children killed mid-run, and service restarts with SIGTERM and SIGKILL.
 */
import { signGeneric } from '../../test/support/signing.js';
import type { PlannedTask } from './plan.js';
import type { SoakService } from './service.js';

export interface Sent {
  plan: PlannedTask;
  /** HTTP status of the answer that settled the request; undefined when none came (the service went away). */
  status?: number;
  taskId?: string;
  /** Webhook deliveries are sent again (same delivery id) until one is answered; chat is never resent. */
  tries: number;
  acted?: 'applied' | 'too_late' | 'not_found';
}

export interface FaultCounts {
  [kind: string]: number;
}

export interface DriverOptions {
  service: SoakService;
  webhookPath: string;
  webhookSecret: string;
  /** Tasks queued or running at most (the driver waits for the service to work some off). */
  window: number;
  restartEvery: number;
  /** No new request after this time (epoch ms): the soak then drains and checks what it sent. */
  sendUntil: number;
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

async function call(url: string, init: RequestInit): Promise<{ status: number; body: any } | undefined> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body };
  } catch {
    return undefined; // refused, reset or timed out: the service is restarting
  }
}

export class SoakDriver {
  readonly sent: Sent[] = [];
  readonly faults: FaultCounts = {};
  /** Chat requests cut off by a restart (no answer, so the client cannot know whether a task exists). */
  unanswered = 0;
  private open = 0;
  private readonly actions: Promise<void>[] = [];

  constructor(private readonly o: DriverOptions) {}

  private count(kind: string): void {
    this.faults[kind] = (this.faults[kind] ?? 0) + 1;
  }

  /** GET through whatever restarts happen meanwhile. */
  private async get(path: string): Promise<any> {
    for (;;) {
      await this.o.service.ready();
      const res = await call(`${this.o.service.url}${path}`, {});
      if (res && res.status < 500) return res.body;
      await sleep(500);
    }
  }

  private async pollOpen(stop: () => boolean): Promise<void> {
    while (!stop()) {
      const body = await this.get('/api/tasks?status=queued,running&limit=200');
      this.open = Array.isArray(body?.tasks) ? body.tasks.length : this.open;
      await sleep(300);
    }
  }

  async run(tasks: PlannedTask[]): Promise<void> {
    let done = false;
    const poller = this.pollOpen(() => done);
    let accepted = 0;
    let restarts = 0;
    let lastRestartAt = 0;
    let restarting: Promise<void> | undefined;
    for (const plan of tasks) {
      while (this.open >= this.o.window) await sleep(100);
      if (Date.now() > this.o.sendUntil) {
        this.o.log(`time budget spent after ${this.sent.length} of ${tasks.length} requests`);
        break;
      }
      await this.o.service.ready();
      const sent = await this.submit(plan);
      this.sent.push(sent);
      if (!sent.taskId) continue;
      this.open++;
      accepted++;
      if (plan.fault === 'slow' || plan.fault === 'api_error' || plan.fault === 'api_drop') this.count(plan.fault);
      if (plan.fault === 'cancel') this.actions.push(this.cancelLater(sent));
      if (plan.fault === 'child_crash') this.actions.push(this.crashLater(sent));
      if (this.o.restartEvery > 0 && accepted - lastRestartAt >= this.o.restartEvery && !restarting) {
        lastRestartAt = accepted;
        const signal = restarts++ % 2 === 0 ? 'SIGTERM' : 'SIGKILL';
        this.count(`service_restart_${signal.toLowerCase()}`);
        this.o.log(`restart ${restarts} (${signal}) after ${accepted} accepted tasks`);
        // Not awaited, and after a moment: requests keep coming, and those in flight when the process goes are cut off.
        restarting = sleep((accepted * 7919) % 2000)
          .then(() => this.o.service.restart(signal))
          .finally(() => (restarting = undefined));
        this.actions.push(restarting);
      }
      if (accepted % 100 === 0) this.o.log(`${accepted} accepted, ${this.open} open`);
    }
    await Promise.all(this.actions);
    done = true;
    await poller;
  }

  private async submit(plan: PlannedTask): Promise<Sent> {
    const { service } = this.o;
    const sent: Sent = { plan, tries: 0 };
    if (plan.channel === 'chat') {
      sent.tries = 1;
      const res = await call(`${service.url}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: plan.prompt }),
      });
      if (!res) this.unanswered++;
      sent.status = res?.status;
      if (res && res.status < 300) sent.taskId = res.body.task_id;
      return sent;
    }
    const body = JSON.stringify({ event_type: 'soak.task', nonce: plan.nonce, prompt: plan.prompt });
    const headers = { 'content-type': 'application/json', 'x-delivery-id': plan.nonce, 'x-signature-256': signGeneric(this.o.webhookSecret, body) };
    // A provider redelivers until it gets an answer; the same delivery id must never make a second task.
    while (sent.tries < 10) {
      sent.tries++;
      await service.ready();
      const res = await call(`${service.url}${this.o.webhookPath}`, { method: 'POST', headers, body });
      if (res && res.status < 500) {
        sent.status = res.status;
        sent.taskId = res.body?.task_id ?? undefined;
        break;
      }
      await sleep(300);
    }
    for (let i = 1; i < sent.tries; i++) this.count('webhook_redelivery');
    return sent;
  }

  private async cancelLater(sent: Sent): Promise<void> {
    if (sent.plan.whileRunning && !(await this.untilRunning(sent))) {
      this.count('cancel_too_late');
      return;
    }
    await sleep(sent.plan.actAfterMs);
    for (let i = 0; i < 20; i++) {
      await this.o.service.ready();
      const res = await call(`${this.o.service.url}/api/tasks/${sent.taskId}/cancel`, { method: 'POST' });
      if (!res || res.status >= 500) {
        await sleep(500);
        continue;
      }
      sent.acted = res.status < 300 ? 'applied' : res.status === 409 ? 'too_late' : 'not_found';
      this.count(sent.acted === 'applied' ? (sent.plan.whileRunning ? 'cancel_running' : 'cancel_queued') : 'cancel_too_late');
      return;
    }
  }

  private async crashLater(sent: Sent): Promise<void> {
    if (!(await this.untilRunning(sent))) {
      this.count('child_crash_missed');
      return;
    }
    await sleep(sent.plan.actAfterMs);
    sent.acted = this.o.service.killClaudeChild(sent.taskId!) ? 'applied' : 'too_late';
    this.count(sent.acted === 'applied' ? 'child_crash' : 'child_crash_missed');
  }

  /** Waits until the task runs; false when it finished first. */
  private async untilRunning(sent: Sent): Promise<boolean> {
    for (;;) {
      const view = await this.get(`/api/tasks/${sent.taskId}`);
      if (view?.status === 'running') return true;
      if (TERMINAL.has(view?.status)) {
        sent.acted = 'too_late';
        return false;
      }
      await sleep(250);
    }
  }

  /** Waits until nothing is queued or running, or until nothing has moved for `quietMs`. */
  async drain(quietMs: number): Promise<void> {
    let last = -1;
    let since = Date.now();
    for (;;) {
      const body = await this.get('/api/tasks?status=queued,running,waiting_approval&limit=200');
      const open = Array.isArray(body?.tasks) ? body.tasks.length : 0;
      if (open === 0) return;
      if (open !== last) {
        last = open;
        since = Date.now();
        this.o.log(`draining: ${open} open`);
      }
      if (Date.now() - since > quietMs) return;
      await sleep(1000);
    }
  }
}
