// The service's own zod schemas and types (src/contracts): the dashboard validates what it sends and receives with
// the same definitions the routes use, and declares no response shape or enum of its own.
export { AgentsResponse, AnalyticsSummary, CostsResponse, GRANULARITIES, GROUP_BY, PullRequestRates, TopConversationsResponse } from '../../../src/contracts/analytics.js';
export type { AgentFigures, CostPoint, CostSeries, Granularity } from '../../../src/contracts/analytics.js';
export { BUDGET_SCOPES, BudgetCreate, BudgetList, BudgetPatch, BudgetState } from '../../../src/contracts/budgets.js';
export { ChatRequest, ChatResponse } from '../../../src/contracts/chat.js';
export { ChatOptions, WorkspaceChoice } from '../../../src/contracts/run-settings.js';
export { WorkspaceFile, WorkspaceListing } from '../../../src/contracts/workspace.js';
export type { ErrorResponse } from '../../../src/contracts/common.js';
export { Conversation, ConversationPage, Message, MessagePage } from '../../../src/contracts/conversations.js';
export { DashboardStatus, Health } from '../../../src/contracts/dashboard.js';
export { ClientMessage, LiveEvent } from '../../../src/contracts/events.js';
export { LEDGER_ORDERS, LEDGER_SORTS, LedgerPage, LedgerRow } from '../../../src/contracts/ledger.js';
export type { LedgerOrder, LedgerSort } from '../../../src/contracts/ledger.js';
export { AgentDetail, AgentList, AgentSummary, SkillDetail, SkillList, SkillSummary } from '../../../src/contracts/registry.js';
export { StreamItem } from '../../../src/contracts/stream-item.js';
export type { ResultItem } from '../../../src/contracts/stream-item.js';
export { TaskStatus, TaskView } from '../../../src/contracts/task.js';
export { TaskSession } from '../../../src/contracts/task-session.js';
export { ApprovalContext, CancelResponse, EventsPage, OutputEvent, TaskPage } from '../../../src/contracts/tasks.js';
export { WorkerList, WorkerView } from '../../../src/contracts/workers.js';
export { ACTIONS, changeRequestRef, Command, DYNAMIC_PROVIDERS, PermissionMode, PROVIDER_NAMES, StaticCommand, StaticRoute } from '../../../src/contracts/webhook-commands.js';
export { Decision, Delivery, DeliveryList, DryRunResult, Explanation, ReplayAccepted, ReplayOutcome, WebhookConfig, WebhookDetail, WebhookList } from '../../../src/contracts/webhooks.js';
export { OUTCOMES } from '../../../src/domain/outcome.js';
export { TASK_STATUSES } from '../../../src/domain/task-status.js';
