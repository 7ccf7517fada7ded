import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { AnalyticsRepository } from './analytics.js';
import { BudgetRepository } from './budgets.js';
import { ClaudeSessionRepository } from './claude-sessions.js';
import { ConversationRepository } from './conversations.js';
import { LedgerRepository } from './ledger.js';
import { RegistryRepository } from './registry.js';
import { RegistryUsageRepository } from './registry-usage.js';
import { SessionRepository } from './sessions.js';
import { TaskEventRepository } from './task-events.js';
import { TaskRepository } from './tasks.js';
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
  };
}
