import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import type { WorkspaceChoice } from '../contracts/run-settings.js';
import { DomainError } from '../domain/errors.js';
import { DASHBOARD_SOURCE } from '../storage/repositories/conversations.js';
import type { ConversationRow, WorkspaceKind } from '../storage/schema.js';

/**
 * Where a dashboard conversation's turns run: the operator's folder it was started in (`path`), else a folder of its
 * own, DATA_DIR/workspaces/<conversation_id> (empty, or a checkout made by its first turn). Every turn shares it.
 * A provider's thread (a webhook conversation) keeps one workspace per task with a fresh checkout: undefined.
 */
export function conversationWorkspaceDir(config: Config, conversation: Pick<ConversationRow, 'conversation_id' | 'source' | 'workspace_kind' | 'workspace_ref'>): string | undefined {
  if (conversation.source !== DASHBOARD_SOURCE) return undefined;
  if (conversation.workspace_kind === 'path' && conversation.workspace_ref) return conversation.workspace_ref;
  return path.join(config.workspacesDir, conversation.conversation_id);
}

const invalidWorkspace = (message: string) => new DomainError('invalid', `invalid workspace: ${message}`, { field: 'workspace' });

/** Whether `dir` (a real path) is one of the roots or inside one (roots compared by their real paths). */
export async function insideWorkspaceRoots(roots: string[], dir: string): Promise<boolean> {
  for (const root of roots) {
    const real = await fs.realpath(root).catch(() => undefined);
    if (real && (dir === real || dir.startsWith(real + path.sep))) return true;
  }
  return false;
}

/**
 * Checks the workspace a new conversation asks for; what to store. A folder must be an existing directory inside one
 * of WORKSPACE_ROOTS once every symlink is resolved (the real path is stored, so a link changed later cannot move
 * the conversation elsewhere); a repository must be an http(s) URL without credentials (no file:// or local paths:
 * the clone runs as the service, which must not copy its own files into a workspace).
 */
export async function checkWorkspaceChoice(config: Config, choice: WorkspaceChoice | undefined): Promise<{ workspace_kind: WorkspaceKind; workspace_ref: string | null }> {
  if (!choice || choice.kind === 'empty') return { workspace_kind: 'empty', workspace_ref: null };
  if (choice.kind === 'repository') {
    let url: URL;
    try {
      url = new URL(choice.url);
    } catch {
      throw invalidWorkspace(`"${choice.url}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidWorkspace('a repository must be an http(s) clone URL');
    if (url.username || url.password) throw invalidWorkspace('a repository URL must not carry credentials');
    return { workspace_kind: 'repository', workspace_ref: url.toString() };
  }
  const roots = config.WORKSPACE_ROOTS;
  if (roots.length === 0) throw invalidWorkspace('no folders are allowed: the operator has not set WORKSPACE_ROOTS');
  const allowed = `allowed: ${roots.join(', ')} (WORKSPACE_ROOTS)`;
  if (!path.isAbsolute(choice.path) || choice.path.includes('\0')) throw invalidWorkspace(`path must be absolute; ${allowed}`);
  const real = await fs.realpath(choice.path).catch(() => undefined);
  const stat = real ? await fs.stat(real).catch(() => undefined) : undefined;
  if (!real || !stat?.isDirectory()) throw invalidWorkspace(`${choice.path} is not an existing folder; ${allowed}`);
  if (!(await insideWorkspaceRoots(roots, real))) throw invalidWorkspace(`${choice.path} is outside the allowed folders; ${allowed}`);
  return { workspace_kind: 'path', workspace_ref: real };
}
