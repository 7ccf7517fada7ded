import type { FastifyInstance } from 'fastify';
import { BudgetCreate, BudgetList, BudgetPatch, BudgetState } from '../contracts/budgets.js';
import { ERRORS, IdParams, NoContent } from '../contracts/common.js';
import type { Services } from '../services.js';
import { invalid, notFound } from './http-errors.js';
import { typed } from './schemas.js';

/** Spending limits: CRUD, each answer with today's spending (see BudgetService). */
const tags = ['budgets'];
const one = { tags, params: IdParams, response: { 200: BudgetState, ...ERRORS } };

export function budgetRoutes(plain: FastifyInstance, s: Services): void {
  const app = typed(plain);
  app.get('/api/budgets', { schema: { tags, summary: 'Spending limits with today\'s spending', response: { 200: BudgetList, ...ERRORS } } }, async () => ({ budgets: await s.budgets.states() }));

  app.post('/api/budgets', { schema: { tags, summary: 'Add a spending limit', body: BudgetCreate, response: { 201: BudgetState, ...ERRORS } } }, async (req, reply) => {
    return reply.code(201).send(await s.budgets.state(await s.repos.budgets.create(req.body)));
  });

  app.get('/api/budgets/:id', { schema: { ...one, summary: 'One spending limit' } }, async (req) => {
    const row = await s.repos.budgets.get(req.params.id);
    if (!row) throw notFound(`budget ${req.params.id}`);
    return s.budgets.state(row);
  });

  app.patch('/api/budgets/:id', { schema: { ...one, summary: 'Change a spending limit', body: BudgetPatch } }, async (req) => {
    const patch = req.body;
    const row = await s.repos.budgets.get(req.params.id);
    if (!row) throw notFound(`budget ${req.params.id}`);
    const keyed = row.scope === 'source' || row.scope === 'requester' || row.scope === 'rule';
    if (patch.key !== undefined && keyed !== (patch.key !== null)) {
      const why = keyed ? `is required for scope ${row.scope}` : `must be null for scope ${row.scope}`;
      throw invalid('budget', [`key: ${why}`]);
    }
    return s.budgets.state((await s.repos.budgets.update(row.budget_id, patch))!);
  });

  app.delete('/api/budgets/:id', { schema: { tags, summary: 'Remove a spending limit', params: IdParams, response: { 204: NoContent, ...ERRORS } } }, async (req, reply) => {
    if (!(await s.repos.budgets.delete(req.params.id))) throw notFound(`budget ${req.params.id}`);
    return reply.code(204).send();
  });
}
