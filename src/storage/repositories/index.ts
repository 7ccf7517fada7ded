import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { ClaudeSessionRepository } from './claude-sessions.js';
import { ConversationRepository } from './conversations.js';
import { SessionRepository } from './sessions.js';
import { TaskEventRepository } from './task-events.js';
import { TaskRepository } from './tasks.js';
import { WebhookConfigRepository } from './webhook-configs.js';
import { WebhookEventRepository } from './webhook-events.js';

export interface Repositories {
  tasks: TaskRepository;
  events: TaskEventRepository;
  conversations: ConversationRepository;
  sessions: SessionRepository;
  claudeSessions: ClaudeSessionRepository;
  webhookEvents: WebhookEventRepository;
  webhooks: WebhookConfigRepository;
}

export function createRepositories(db: Kysely<Database>): Repositories {
  return {
    tasks: new TaskRepository(db),
    events: new TaskEventRepository(db),
    conversations: new ConversationRepository(db),
    sessions: new SessionRepository(db),
    claudeSessions: new ClaudeSessionRepository(db),
    webhookEvents: new WebhookEventRepository(db),
    webhooks: new WebhookConfigRepository(db),
  };
}
