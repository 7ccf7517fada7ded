// The service's own zod schemas: the dashboard validates what it sends and receives with the same definitions.
export { ChatRequest, ChatResponse } from '../../../src/contracts/api.js';
export { LiveEvent, ClientMessage } from '../../../src/contracts/events.js';
export { StreamItem } from '../../../src/contracts/stream-item.js';
export type { ResultItem } from '../../../src/contracts/stream-item.js';
export { TaskView, TaskStatus } from '../../../src/contracts/task.js';
export { BudgetCreate, BudgetPatch, GROUP_BY } from '../../../src/contracts/analytics.js';
