/** The calls the analytics bench times: every analytics chart and ledger page the dashboard asks for, and two references. */
import { encodeLedgerCursor } from '../src/storage/repositories/cursor.js';
import type { SeedFacts } from './analytics-data.js';

export interface Case {
  name: string;
  group: 'analytics' | 'ledger' | 'reference';
  /** Target in ms (median), or null for calls with no target. */
  target: number | null;
  url: (s: SeedFacts) => string;
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const busiest = (s: SeedFacts) => encodeURIComponent(s.busiest.requester);

export const CASES: Case[] = [
  { name: 'GET /health (trivial route: one `select 1`)', group: 'reference', target: null, url: () => '/health' },
  { name: 'summary', group: 'analytics', target: 100, url: () => '/api/analytics/summary' },
  { name: 'costs, daily, last 30 days', group: 'analytics', target: 100, url: () => '/api/analytics/costs' },
  { name: 'costs, daily, 365 days', group: 'analytics', target: 100, url: () => `/api/analytics/costs?from=${iso(Date.now() - 365 * DAY)}&granularity=day` },
  { name: 'costs, daily, 400 days by agent', group: 'analytics', target: 100, url: () => `/api/analytics/costs?from=${iso(Date.now() - 399 * DAY)}&group_by=agent` },
  { name: 'costs, daily, 365 days by requester (top 10 + other)', group: 'analytics', target: 100, url: () => `/api/analytics/costs?from=${iso(Date.now() - 365 * DAY)}&group_by=requester` },
  { name: 'costs, hourly, last 24 h', group: 'analytics', target: 100, url: () => '/api/analytics/costs?granularity=hour' },
  { name: 'costs, hourly, 31 days by model', group: 'analytics', target: 100, url: () => `/api/analytics/costs?granularity=hour&from=${iso(Date.now() - 30 * DAY)}&group_by=model` },
  { name: 'costs, hourly, 31 days by requester (top 4 + other)', group: 'analytics', target: 100, url: () => `/api/analytics/costs?granularity=hour&from=${iso(Date.now() - 30 * DAY)}&group_by=requester` },
  { name: 'agents, all time', group: 'analytics', target: 100, url: () => '/api/analytics/agents' },
  { name: 'agents, last 90 days', group: 'analytics', target: 100, url: () => `/api/analytics/agents?from=${iso(Date.now() - 90 * DAY)}` },
  { name: 'conversations, top 10 by cost', group: 'analytics', target: 100, url: () => '/api/analytics/conversations' },
  { name: 'first page (50, newest first)', group: 'ledger', target: 20, url: () => '/api/ledger' },
  {
    name: 'deep page (cursor at the middle row)',
    group: 'ledger',
    target: 20,
    url: (s) => `/api/ledger?cursor=${encodeLedgerCursor('created_at', 'desc', { value: s.middle.created_at, task_id: s.middle.task_id })}`,
  },
  { name: 'sorted by cost, most expensive first', group: 'ledger', target: 20, url: () => '/api/ledger?sort=cost_usd&order=desc' },
  {
    name: 'sorted by cost, deep page',
    group: 'ledger',
    target: 20,
    url: (s) => `/api/ledger?sort=cost_usd&order=desc&cursor=${encodeLedgerCursor('cost_usd', 'desc', { value: s.middle.cost_usd, task_id: s.middle.task_id })}`,
  },
  { name: 'sorted by duration, shortest first', group: 'ledger', target: 20, url: () => '/api/ledger?sort=duration_ms&order=asc' },
  { name: 'filtered: source=github', group: 'ledger', target: 20, url: () => '/api/ledger?source=github' },
  { name: 'filtered: the busiest requester', group: 'ledger', target: 20, url: (s) => `/api/ledger?requester=${busiest(s)}` },
  { name: 'filtered: status=failed', group: 'ledger', target: 20, url: () => '/api/ledger?status=failed' },
  { name: 'filtered: outcome=budget,timeout', group: 'ledger', target: 20, url: () => '/api/ledger?outcome=budget,timeout' },
  { name: 'filtered: agent + model', group: 'ledger', target: 20, url: () => '/api/ledger?agent=verifier&model=claude-opus-4-1' },
  { name: 'filtered: one week (from/to)', group: 'ledger', target: 20, url: () => `/api/ledger?from=${iso(Date.now() - 100 * DAY)}&to=${iso(Date.now() - 93 * DAY)}` },
  { name: 'filtered and sorted: source=github by cost', group: 'ledger', target: 20, url: () => '/api/ledger?source=github&sort=cost_usd&order=desc' },
  { name: 'filtered and sorted: the busiest requester by cost', group: 'ledger', target: 20, url: (s) => `/api/ledger?requester=${busiest(s)}&sort=cost_usd&order=desc` },
  { name: 'GET /metrics (task and webhook metrics from the database)', group: 'reference', target: null, url: () => '/metrics' },
];
