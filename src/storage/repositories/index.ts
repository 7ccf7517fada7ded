import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { AfterRunStepRepository } from './after-run-steps.js';
import { AnalyticsRepository } from './analytics.js';
import { BudgetRepository } from './budgets.js';
import { ClaudeSessionRepository } from './claude-sessions.js';
import { ConversationRepository } from './conversations.js';
import { FlowLinkRepository } from './flow-links.js';
import { LedgerRepository } from './ledger.js';
import { PermissionWaitRepository } from './permission-waits.js';
import { PullRequestRepository } from './pull-requests.js';
import { RegistryRepository } from './registry.js';
import { RegistryUsageRepository } from './registry-usage.js';
import { SessionRepository } from './sessions.js';
import { TaskEventRepository } from './task-events.js';
import { ScheduleFiringRepository } from './schedule-firings.js';
import { TaskStormRepository } from './task-storms.js';
import { TaskRepository } from './tasks.js';
import { transact } from './transact.js';
import { WebhookConfigRepository } from './webhook-configs.js';
import { WebhookEventRepository } from './webhook-events.js';

export interface Repositories {
  analytics: AnalyticsRepository;
  ledger: LedgerRepository;
  budgets: BudgetRepository;
  tasks: TaskRepository;
  events: TaskEventRepository;
  conversations: ConversationRepository;
  sessions: SessionRepository;
  claudeSessions: ClaudeSessionRepository;
  webhookEvents: WebhookEventRepository;
  webhooks: WebhookConfigRepository;
  registry: RegistryRepository;
  registryUsage: RegistryUsageRepository;
  storms: TaskStormRepository;
  scheduleFirings: ScheduleFiringRepository;
  flowLinks: FlowLinkRepository;
  pullRequests: PullRequestRepository;
  permissionWaits: PermissionWaitRepository;
  afterRunSteps: AfterRunStepRepository;
  /**
   * Runs `work` with repositories bound to one transaction: all its writes commit together or not at all. Inside it
   * use only the repositories it is given (on SQLite the outer ones wait for the transaction's connection), and make
   * no network call.
   */
  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
}

export function createRepositories(db: Kysely<Database>): Repositories {
  return {
    analytics: new AnalyticsRepository(db),
    ledger: new LedgerRepository(db),
    budgets: new BudgetRepository(db),
    tasks: new TaskRepository(db),
    events: new TaskEventRepository(db),
    conversations: new ConversationRepository(db),
    sessions: new SessionRepository(db),
    claudeSessions: new ClaudeSessionRepository(db),
    webhookEvents: new WebhookEventRepository(db),
    webhooks: new WebhookConfigRepository(db),
    registry: new RegistryRepository(db),
    registryUsage: new RegistryUsageRepository(db),
    storms: new TaskStormRepository(db),
    scheduleFirings: new ScheduleFiringRepository(db),
    flowLinks: new FlowLinkRepository(db),
    pullRequests: new PullRequestRepository(db),
    permissionWaits: new PermissionWaitRepository(db),
    afterRunSteps: new AfterRunStepRepository(db),
    transaction: (work) => transact(db, (trx) => work(createRepositories(trx))),
  };
}
