import type { FastifyInstance, FastifyReply } from 'fastify';
import { ManagementError } from '../registry/errors.js';
import type { Services } from '../services.js';

/**
 * /api/registry/agents and /api/registry/skills: the registry's agents (one markdown file each) and skills (a folder
 * of files each). Every rule lives in RegistryService, which the management tools call too; a refusal is
 * `{error, field, problems}` with its status. Changes reach the next run on every worker without a restart.
 */
export function registryRoutes(app: FastifyInstance, s: Services): void {
  if (!s.registry) return;
  const registry = s.registry.service;
  type P = { Params: { name: string } };

  const refuse = (reply: FastifyReply, err: unknown) => {
    if (!(err instanceof ManagementError)) throw err;
    return reply.code(err.status).send({ error: err.message, ...(err.field ? { field: err.field } : {}), ...(err.problems.length ? { problems: err.problems } : {}) });
  };
  /** Runs the call; a ManagementError becomes its answer. */
  const answer = async (reply: FastifyReply, status: number, call: () => Promise<unknown>) => {
    try {
      return reply.code(status).send(await call());
    } catch (err) {
      return refuse(reply, err);
    }
  };

  // ---- agents ----
  app.get('/api/registry/agents', async (_req, reply) => answer(reply, 200, async () => ({ agents: await registry.listAgents() })));
  app.post('/api/registry/agents', async (req, reply) => answer(reply, 201, () => registry.createAgent(req.body)));
  app.get<P>('/api/registry/agents/:name', async (req, reply) => answer(reply, 200, () => registry.getAgent(req.params.name)));
  app.put<P>('/api/registry/agents/:name', async (req, reply) => answer(reply, 200, () => registry.updateAgent(req.params.name, req.body)));
  app.post<P>('/api/registry/agents/:name/restore', async (req, reply) => answer(reply, 200, () => registry.restoreAgent(req.params.name)));
  /** 204 when a user agent is gone; 200 with the agent when an override was dropped and the built-in is back. */
  app.delete<P>('/api/registry/agents/:name', async (req, reply) => {
    try {
      const result = await registry.deleteAgent(req.params.name);
      return result.outcome === 'deleted' ? reply.code(204).send() : reply.code(200).send({ restored: true, ...result.agent });
    } catch (err) {
      return refuse(reply, err);
    }
  });

  // ---- skills ----
  app.get('/api/registry/skills', async (_req, reply) => answer(reply, 200, async () => ({ skills: await registry.listSkills() })));
  app.post('/api/registry/skills', async (req, reply) => answer(reply, 201, () => registry.createSkill(req.body)));
  app.get<P>('/api/registry/skills/:name', async (req, reply) => answer(reply, 200, () => registry.getSkill(req.params.name)));
  app.put<P>('/api/registry/skills/:name', async (req, reply) => answer(reply, 200, () => registry.updateSkill(req.params.name, req.body)));
  app.post<P>('/api/registry/skills/:name/restore', async (req, reply) => answer(reply, 200, () => registry.restoreSkill(req.params.name)));
  app.delete<P>('/api/registry/skills/:name', async (req, reply) => {
    try {
      const result = await registry.deleteSkill(req.params.name);
      return result.outcome === 'deleted' ? reply.code(204).send() : reply.code(200).send({ restored: true, ...result.skill });
    } catch (err) {
      return refuse(reply, err);
    }
  });
}
