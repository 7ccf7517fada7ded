/**
 * Final status exactly once, as a watcher sees it: a WebSocket subscribed to every task (the dashboard's overview)
 * counts each task's `task.completed` / `task.failed` / `task.cancelled` events. While the service restarts the
 * socket is down and events are missed, so this finds a task announced final twice, not one never announced.
 */
import { WebSocket } from 'ws';
import type { SoakService } from './service.js';

const FINAL = new Set(['task.completed', 'task.failed', 'task.cancelled']);

export class FinalEventWatcher {
  /** task_id → the final event types received, in order. */
  readonly finals = new Map<string, string[]>();
  private socket?: WebSocket;
  private stopped = false;

  constructor(private readonly service: SoakService) {}

  async start(): Promise<void> {
    while (!this.stopped) {
      await this.service.ready();
      await new Promise<void>((resolve) => {
        const ws = new WebSocket(`${this.service.url.replace(/^http/, 'ws')}/ws/dashboard-soak`);
        this.socket = ws;
        ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', all: true })));
        ws.on('message', (data) => {
          try {
            const msg = JSON.parse(String(data)) as { type?: string; task_id?: string };
            if (msg.type && msg.task_id && FINAL.has(msg.type)) this.finals.set(msg.task_id, [...(this.finals.get(msg.task_id) ?? []), msg.type]);
          } catch {
            // not JSON: not ours to judge here
          }
        });
        ws.on('error', () => undefined);
        ws.on('close', () => resolve());
      });
      if (!this.stopped) await new Promise((r) => setTimeout(r, 500));
    }
  }

  stop(): void {
    this.stopped = true;
    this.socket?.close();
  }
}
