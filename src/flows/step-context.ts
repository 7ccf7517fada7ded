// What an after-run step (src/flows/after-run-steps.ts) is given, in a module of its own so the steps and their
// runner do not import each other.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Repositories } from '../storage/repositories/index.js';
import type { TaskRow } from '../storage/schema.js';
import type { ProviderClients } from '../webhooks/clients.js';

export interface StepDeps {
  config: Config;
  repos: Repositories;
  clients: ProviderClients;
  log: Logger;
}

/** The service's parts, what the step recorded on earlier tries, and how to record more. */
export interface StepContext<P> {
  deps: StepDeps;
  progress: P;
  save(progress: P): Promise<void>;
}

/** One durable step after a run: what it does, and what it says when it gives up. */
export interface StepDefinition {
  run(task: TaskRow, ctx: StepContext<unknown>): Promise<void>;
  /** Told once when the step gives up. */
  failed?(task: TaskRow, ctx: StepContext<unknown>, reason: string): Promise<void>;
}

/** Thrown by a step that no retry can help (a setting is missing): it gives up at once. */
export class StepCannotRun extends Error {
  override readonly name = 'StepCannotRun';
}
