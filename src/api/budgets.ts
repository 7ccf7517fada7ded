import type { FastifyInstance } from 'fastify';
import { BudgetCreate, BudgetPatch } from '../contracts/analytics.js';
import type { Services } from '../services.js';
import { HttpError, notFound, parse } from './http-errors.js';

/** Spending limits: CRUD, each answer with today's spending (see BudgetService). */
export function budgetRoutes(app: FastifyInstance, s: Services): void {
  app.get('/api/budgets', async () => ({ budgets: await s.budgets.states() }));

  app.post('/api/budgets', async (req, reply) => {
    const body = parse(BudgetCreate, req.body, 'budget');
    return reply.code(201).send(await s.budgets.state(await s.repos.budgets.create(body)));
  });

  app.get<{ Params: { id: string } }>('/api/budgets/:id', async (req) => {
    const row = await s.repos.budgets.get(req.params.id);
    if (!row) throw notFound(`budget ${req.params.id}`);
    return s.budgets.state(row);
  });

  app.patch<{ Params: { id: string } }>('/api/budgets/:id', async (req) => {
    const patch = parse(BudgetPatch, req.body, 'budget');
    const row = await s.repos.budgets.get(req.params.id);
    if (!row) throw notFound(`budget ${req.params.id}`);
    const keyed = row.scope === 'source' || row.scope === 'requester' || row.scope === 'rule';
    if (patch.key !== undefined && keyed !== (patch.key !== null)) {
      const why = keyed ? `is required for scope ${row.scope}` : `must be null for scope ${row.scope}`;
      throw new HttpError(400, `invalid budget: key: ${why}`, [`key: ${why}`]);
    }
    return s.budgets.state((await s.repos.budgets.update(row.budget_id, patch))!);
  });

  app.delete<{ Params: { id: string } }>('/api/budgets/:id', async (req, reply) => {
    if (!(await s.repos.budgets.delete(req.params.id))) throw notFound(`budget ${req.params.id}`);
    return reply.code(204).send();
  });
}
