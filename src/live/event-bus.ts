import { EventEmitter } from 'node:events';
import type { LiveEvent } from '../contracts/events.js';

/**
 * Requests that must reach whichever worker process holds a task, and news every process must hear (a webhook
 * secret changed: reload the redactor's list).
 */
export type ControlMessage = { type: 'cancel'; task_id: string; reason: string } | { type: 'secrets_changed' };

export interface EventBus {
  publish(event: LiveEvent): Promise<void>;
  subscribe(listener: (event: LiveEvent) => void): () => void;
  publishControl(message: ControlMessage): Promise<void>;
  onControl(listener: (message: ControlMessage) => void): () => void;
  close(): Promise<void>;
}

/** One process: listeners are called synchronously in publish order. */
export class LocalEventBus implements EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(event: LiveEvent): Promise<void> {
    this.emitter.emit('event', event);
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  async publishControl(message: ControlMessage): Promise<void> {
    this.emitter.emit('control', message);
  }

  onControl(listener: (message: ControlMessage) => void): () => void {
    this.emitter.on('control', listener);
    return () => this.emitter.off('control', listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
