import type { FastifyInstance } from 'fastify';
import { AnalyticsService } from '../analytics/analytics-service.js';
import {
  AgentsResponse,
  AnalyticsSummary,
  CostsQuery,
  CostsResponse,
  PullRequestRates,
  RangeQuery,
  TopConversationsQuery,
  TopConversationsResponse,
} from '../contracts/analytics.js';
import { ERRORS } from '../contracts/common.js';
import type { Services } from '../services.js';
import { asBuilt, typed } from './schemas.js';

export function analyticsRoutes(app: FastifyInstance, s: Services): void {
  const analytics = new AnalyticsService(s.repos, s.budgets);
  const api = typed(app);
  const tags = ['analytics'];
  api.get('/api/analytics/summary', { schema: { tags, summary: 'Spending and success, today and all time', response: { 200: AnalyticsSummary, ...ERRORS } } }, async () => analytics.summary());
  const costs = { tags, summary: 'Cost and usage over time, optionally grouped', querystring: CostsQuery, response: { 200: CostsResponse, ...ERRORS } };
  // Up to 4,400 points (about 1 MB): written as built (see asBuilt), not through zod's encode.
  api.get('/api/analytics/costs', { schema: costs, serializerCompiler: asBuilt }, async (req) => analytics.costs(req.query));
  api.get('/api/analytics/agents', { schema: { tags, summary: 'Figures per agent', querystring: RangeQuery, response: { 200: AgentsResponse, ...ERRORS } } }, async (req) => analytics.agents(req.query));
  const top = { tags, summary: 'The most expensive conversations', querystring: TopConversationsQuery, response: { 200: TopConversationsResponse, ...ERRORS } };
  api.get('/api/analytics/conversations', { schema: top }, async (req) => analytics.conversations(req.query.limit));
  const prs = { tags, summary: 'Merge rate of the pull requests the service opened, per agent and command', response: { 200: PullRequestRates, ...ERRORS } };
  api.get('/api/analytics/pull-requests', { schema: prs }, async () => analytics.pullRequests());
}
