// GitLab deliveries → ProviderEvent. Only comments ("Note Hook", object_kind note) on issues and merge requests run
// anything: they are where people address the agent. The event type is '<issue|merge_request>_note.<action>'
// ('merge_request_note.create'); `action` is 'create' or 'update' since GitLab 16.11 and missing before (a create).
// Payload shapes: test/fixtures/gitlab (GitLab's "Webhook events" documentation).
import { z } from 'zod';
import { bodyObject, header, ignored, missingFields, neverThrow, type ParsedDelivery, type ProviderEvent, type RawDelivery } from '../types.js';
import type { GitlabTarget } from './target.js';

/** A project path as GitLab allows it; anything else (.., URL syntax, spaces) is refused, as it ends up in a clone URL. */
const PROJECT_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$/;

/** Top-level Note Hook fields a template may read. */
export const GITLAB_PAYLOAD_ROOTS = ['object_kind', 'event_type', 'user', 'project_id', 'project', 'repository', 'object_attributes', 'issue', 'merge_request'] as const;

const Noteable = z.object({ iid: z.number().int().positive(), title: z.string() });
const NoteHook = z.object({
  object_kind: z.literal('note'),
  /** 'confidential_note' for an internal note, or any note on a confidential issue. */
  event_type: z.string().optional(),
  user: z.object({ id: z.number().int().optional(), username: z.string().min(1), name: z.string().optional() }),
  project: z.object({
    id: z.number().int().positive(),
    path_with_namespace: z.string().regex(PROJECT_PATH, 'is not a GitLab project path'),
  }),
  object_attributes: z.object({
    id: z.number().int().positive(),
    note: z.string().nullish(),
    noteable_type: z.string(),
    author_id: z.number().int().optional(),
    system: z.boolean().optional(),
    action: z.string().optional(),
    /** An internal note (`confidential` before GitLab 15.0). */
    internal: z.boolean().nullish(),
    confidential: z.boolean().nullish(),
  }),
  issue: Noteable.optional(),
  merge_request: Noteable.optional(),
});

/** Hooks that are expected and deliberately not acted on, with the reason the inspector shows. */
const NOT_NOTES: Record<string, string> = {
  'Push Hook': 'a push; commands are given in comments',
  'Tag Push Hook': 'a tag push; commands are given in comments',
  'Issue Hook': 'an issue change; commands are given in comments',
  'Merge Request Hook': 'a merge request change; commands are given in comments',
  'Pipeline Hook': 'a pipeline status; nothing to run',
  'Job Hook': 'a job status; nothing to run',
  'Emoji Hook': 'an emoji reaction; nothing to run',
};

/**
 * Project and group access tokens act as bot users named project_<id>_bot_<hex> / group_<id>_bot_<hex> (older:
 * project_<id>_bot<n>); GitLab's webhook payloads carry no bot flag, so the name is what tells them apart.
 */
export function isGitlabBotUsername(username: string): boolean {
  return /^(project|group)_\d+_bot(_?[0-9a-f]+)?$/i.test(username);
}

/** Dedup key: the event's UUID, else the retry-stable Idempotency-Key (17.4+), else the per-request webhook UUID. */
function deliveryIdOf(d: RawDelivery): string | null {
  return header(d, 'x-gitlab-event-uuid') ?? header(d, 'idempotency-key') ?? header(d, 'x-gitlab-webhook-uuid');
}

export const parseDelivery = neverThrow('gitlab', parseGitlab);

function parseGitlab(d: RawDelivery): ParsedDelivery {
  const deliveryId = deliveryIdOf(d);
  const hook = header(d, 'x-gitlab-event');
  if (!hook) return ignored('missing X-Gitlab-Event header', deliveryId);
  if (hook !== 'Note Hook') {
    const known = Object.hasOwn(NOT_NOTES, hook) ? NOT_NOTES[hook] : undefined;
    return ignored(known ? `GitLab ${hook}: ${known}` : `GitLab event "${hook}" is not handled`, deliveryId, hook);
  }
  const body = bodyObject(d);
  if (!body) return ignored('body is not a JSON object', deliveryId, hook);
  const parsed = NoteHook.safeParse(body);
  if (!parsed.success) return missingFields('GitLab Note Hook', parsed.error, deliveryId, 'note');

  const { user, project, object_attributes: note, issue, merge_request: mr } = parsed.data;
  const action = note.action ?? 'create';
  const on = note.noteable_type === 'Issue' ? issue : note.noteable_type === 'MergeRequest' ? mr : undefined;
  const noteable = note.noteable_type === 'Issue' ? 'issue' : 'merge_request';
  const eventType = `${noteable}_note.${action}`;
  if (note.noteable_type !== 'Issue' && note.noteable_type !== 'MergeRequest') {
    return ignored(`a comment on a ${note.noteable_type}; commands are answered on issues and merge requests`, deliveryId, `note.${action}`);
  }
  if (!on) return ignored(`a comment on a ${note.noteable_type} without its "${noteable}" object`, deliveryId, eventType);
  // System notes ("added 1 commit", "changed the description") are GitLab's own words, not a person's request.
  if (note.system) return ignored('a system note written by GitLab itself', deliveryId, eventType);

  const path = project.path_with_namespace;
  const thread = `${path}${noteable === 'issue' ? '#' : '!'}${on.iid}`;
  const userId = user.id ?? note.author_id;
  const internal = parsed.data.event_type === 'confidential_note' || note.internal === true || note.confidential === true;
  const target: GitlabTarget = { provider: 'gitlab', projectId: project.id, projectPath: path, noteable, iid: on.iid, noteId: note.id, ...(internal && { internal }) };
  const event: ProviderEvent = {
    provider: 'gitlab',
    eventType,
    deliveryId,
    thread,
    threadTitle: on.title || thread,
    text: note.note ?? '',
    actor: userId === undefined ? null : { id: String(userId), name: user.username, isBot: isGitlabBotUsername(user.username) },
    target,
    payload: body,
  };
  return { kind: 'event', event };
}
