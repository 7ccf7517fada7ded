import fs from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ERRORS, IdParams } from '../contracts/common.js';
import { WorkspaceFile, WorkspaceListing, WorkspacePathQuery } from '../contracts/workspace.js';
import { DomainError } from '../domain/errors.js';
import type { Services } from '../services.js';
import { workspaceArchive } from '../workspace/archive.js';
import { listFolder, readWorkspaceFile } from '../workspace/browse.js';
import { conversationWorkspaceDir } from '../workspace/locate.js';
import { notFound } from './http-errors.js';
import { typed } from './schemas.js';

const tags = ['conversations'];

/**
 * A dashboard conversation's workspace, read-only: one folder at a time, one file, or the whole as a .tar.gz. Paths
 * are relative; `..`, absolute paths and symlinks leading out of the workspace are refused (safe-path.ts). The
 * workspace is on the disk of the process that ran the turns: with separate API and worker machines it is served
 * only where DATA_DIR (or the WORKSPACE_ROOTS folder) is shared.
 */
export function workspaceRoutes(plain: FastifyInstance, s: Services): void {
  const app = typed(plain);
  const workspaceOf = async (id: string): Promise<{ dir: string; exists: boolean }> => {
    const conversation = await s.repos.conversations.get(id);
    if (!conversation) throw notFound(`conversation ${id}`);
    const dir = conversationWorkspaceDir(s.config, conversation);
    if (!dir) throw new DomainError('not_found', `conversation ${id} is a provider's thread: each of its runs has a workspace of its own, not kept`);
    return { dir, exists: !!(await fs.stat(dir).catch(() => undefined))?.isDirectory() };
  };

  const list = { tags, summary: "One folder of a conversation's workspace", params: IdParams, querystring: WorkspacePathQuery, response: { 200: WorkspaceListing, ...ERRORS } };
  app.get('/api/conversations/:id/workspace/files', { schema: list }, async (req) => {
    const { dir, exists } = await workspaceOf(req.params.id);
    // Nothing has run yet: the workspace is made by the first turn.
    if (!exists && req.query.path.replace(/[./]/g, '') === '') return { path: '', entries: [] };
    if (!exists) throw new DomainError('not_found', `${req.query.path} not found in the workspace`);
    return listFolder(dir, req.query.path);
  });

  const file = { tags, summary: "One file of a conversation's workspace", params: IdParams, querystring: WorkspacePathQuery, response: { 200: WorkspaceFile, ...ERRORS } };
  app.get('/api/conversations/:id/workspace/file', { schema: file }, async (req) => {
    const { dir, exists } = await workspaceOf(req.params.id);
    if (!exists) throw new DomainError('not_found', `${req.query.path} not found in the workspace`);
    return readWorkspaceFile(dir, req.query.path);
  });

  const tarGz = { description: 'the workspace under one top folder; symlinks leading out of it left out', content: { 'application/gzip': { schema: z.string() } } };
  const archive = { tags, summary: "A conversation's workspace as a .tar.gz", params: IdParams, response: { 200: tarGz, ...ERRORS } };
  app.get('/api/conversations/:id/workspace.tar.gz', { schema: archive }, async (req, reply) => {
    const { dir, exists } = await workspaceOf(req.params.id);
    if (!exists) throw new DomainError('not_found', 'the workspace is empty: no turn has run in it yet');
    const name = `workspace-${req.params.id}`;
    return reply
      .header('content-type', 'application/gzip')
      .header('content-disposition', `attachment; filename="${name}.tar.gz"`)
      .send(workspaceArchive(dir, name) as never);
  });
}
