import type { FastifyInstance } from 'fastify';
import { AnalyticsService } from '../analytics/analytics-service.js';
import { CostsQuery, RangeQuery, TopConversationsQuery } from '../contracts/analytics.js';
import type { Services } from '../services.js';
import { parse } from './http-errors.js';

export function analyticsRoutes(app: FastifyInstance, s: Services): void {
  const analytics = new AnalyticsService(s.repos, s.budgets);
  app.get('/api/analytics/summary', async () => analytics.summary());
  app.get('/api/analytics/costs', async (req) => analytics.costs(parse(CostsQuery, req.query, 'query')));
  app.get('/api/analytics/agents', async (req) => analytics.agents(parse(RangeQuery, req.query, 'query')));
  app.get('/api/analytics/conversations', async (req) => analytics.conversations(parse(TopConversationsQuery, req.query, 'query').limit));
}
