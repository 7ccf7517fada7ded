import type { FastifyInstance } from 'fastify';
import { ERRORS, NameParams, NoContent } from '../contracts/common.js';
import {
  AgentCreate,
  AgentDetail,
  AgentList,
  AgentRestored,
  AgentUpdate,
  SkillCreate,
  SkillDetail,
  SkillList,
  SkillRestored,
  SkillUpdate,
} from '../contracts/registry.js';
import type { Services } from '../services.js';
import { typed } from './schemas.js';

/**
 * /api/registry/agents and /api/registry/skills: the registry's agents (one markdown file each) and skills (a folder
 * of files each). Every rule lives in RegistryService, which the management tools call too; a refusal
 * (ManagementError) is `{error, field, problems}` with its status, sent by the app's error handler. Changes reach the
 * next run on every worker without a restart.
 */
export function registryRoutes(plain: FastifyInstance, s: Services): void {
  const registry = s.registry.service;
  const app = typed(plain);
  const agents = ['registry: agents'];
  const agent = { tags: agents, params: NameParams, response: { 200: AgentDetail, ...ERRORS } };

  app.get('/api/registry/agents', { schema: { tags: agents, summary: 'Agents, with how their runs went', response: { 200: AgentList, ...ERRORS } } }, async () => ({
    agents: await registry.listAgents(),
  }));
  const createAgent = { tags: agents, summary: 'Add an agent', body: AgentCreate, response: { 201: AgentDetail, ...ERRORS } };
  app.post('/api/registry/agents', { schema: createAgent }, async (req, reply) => reply.code(201).send(await registry.createAgent(req.body)));
  app.get('/api/registry/agents/:name', { schema: { ...agent, summary: 'One agent' } }, async (req) => registry.getAgent(req.params.name));
  const putAgent = { ...agent, summary: "Replace an agent's file (a built-in's: overrides it)", body: AgentUpdate };
  app.put('/api/registry/agents/:name', { schema: putAgent }, async (req) => registry.updateAgent(req.params.name, req.body));
  const restoreAgent = { ...agent, summary: 'Put a built-in agent back as shipped' };
  app.post('/api/registry/agents/:name/restore', { schema: restoreAgent }, async (req) => registry.restoreAgent(req.params.name));
  /** 204 when a user agent is gone; 200 with the agent when an override was dropped and the built-in is back. */
  const deleteAgent = { tags: agents, summary: 'Delete a user agent, or drop an override', params: NameParams, response: { 200: AgentRestored, 204: NoContent, ...ERRORS } };
  app.delete('/api/registry/agents/:name', { schema: deleteAgent }, async (req, reply) => {
    const result = await registry.deleteAgent(req.params.name);
    return result.outcome === 'deleted' ? reply.code(204).send() : reply.code(200).send({ restored: true as const, ...result.agent });
  });

  const skills = ['registry: skills'];
  const skill = { tags: skills, params: NameParams, response: { 200: SkillDetail, ...ERRORS } };
  app.get('/api/registry/skills', { schema: { tags: skills, summary: 'Skills, with how their runs went', response: { 200: SkillList, ...ERRORS } } }, async () => ({
    skills: await registry.listSkills(),
  }));
  const createSkill = { tags: skills, summary: 'Add a skill (its files)', body: SkillCreate, response: { 201: SkillDetail, ...ERRORS } };
  app.post('/api/registry/skills', { schema: createSkill }, async (req, reply) => reply.code(201).send(await registry.createSkill(req.body)));
  app.get('/api/registry/skills/:name', { schema: { ...skill, summary: 'One skill with its files' } }, async (req) => registry.getSkill(req.params.name));
  const putSkill = { ...skill, summary: "Replace a skill's whole folder (a built-in's: overrides it)", body: SkillUpdate };
  app.put('/api/registry/skills/:name', { schema: putSkill }, async (req) => registry.updateSkill(req.params.name, req.body));
  const restoreSkill = { ...skill, summary: 'Put a built-in skill back as shipped' };
  app.post('/api/registry/skills/:name/restore', { schema: restoreSkill }, async (req) => registry.restoreSkill(req.params.name));
  const deleteSkill = { tags: skills, summary: 'Delete a user skill, or drop an override', params: NameParams, response: { 200: SkillRestored, 204: NoContent, ...ERRORS } };
  app.delete('/api/registry/skills/:name', { schema: deleteSkill }, async (req, reply) => {
    const result = await registry.deleteSkill(req.params.name);
    return result.outcome === 'deleted' ? reply.code(204).send() : reply.code(200).send({ restored: true as const, ...result.skill });
  });
}
