import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../paths.js';
import type { RawDelivery } from '../types.js';
import { isGitlabBotUsername, parseDelivery } from './parse.js';

const fixture = (name: string) => fs.readFileSync(path.join(projectRoot, 'test/fixtures/gitlab', name), 'utf8');
const HEADERS = { 'x-gitlab-event': 'Note Hook', 'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e', 'content-type': 'application/json' };

function delivery(rawBody: string, headers: Record<string, string> = HEADERS): RawDelivery {
  return { headers, rawBody, body: undefined };
}

function edited(name: string, change: (payload: any) => void): string {
  const payload = JSON.parse(fixture(name));
  change(payload);
  return JSON.stringify(payload);
}

describe('GitLab Note Hook parser (documented payloads)', () => {
  it('a comment on a merge request → thread group/project!iid, the note as text, the commenter as actor', () => {
    const parsed = parseDelivery(delivery(fixture('note_merge_request.json')));
    expect(parsed).toMatchObject({
      kind: 'event',
      event: {
        provider: 'gitlab',
        eventType: 'merge_request_note.create',
        deliveryId: '13792a34-cac6-4fda-95a8-c58e00a3954e',
        thread: 'gitlab-org/gitlab-test!1',
        threadTitle: 'Tempora et eos debitis quae laborum et.',
        text: 'This MR needs work.',
        actor: { id: '1', name: 'root', isBot: false },
        target: { provider: 'gitlab', projectId: 5, projectPath: 'gitlab-org/gitlab-test', noteable: 'merge_request', iid: 1, noteId: 1244 },
      },
    });
  });

  it('a comment on an issue → thread group/project#iid', () => {
    const parsed = parseDelivery(delivery(fixture('note_issue.json')));
    expect(parsed).toMatchObject({
      kind: 'event',
      event: { eventType: 'issue_note.create', thread: 'gitlab-org/gitlab-test#17', threadTitle: 'test', text: 'Hello world', target: { noteable: 'issue', iid: 17, noteId: 1241 } },
    });
  });

  it('an edited note is an update event; a payload from before 16.11 (no action) is a create', () => {
    const update = parseDelivery(delivery(edited('note_issue.json', (p) => (p.object_attributes.action = 'update'))));
    expect(update).toMatchObject({ kind: 'event', event: { eventType: 'issue_note.update' } });
    const old = parseDelivery(delivery(edited('note_issue.json', (p) => delete p.object_attributes.action)));
    expect(old).toMatchObject({ kind: 'event', event: { eventType: 'issue_note.create' } });
  });

  it('the delivery id falls back to Idempotency-Key, then X-Gitlab-Webhook-UUID', () => {
    const base = { 'x-gitlab-event': 'Note Hook' };
    const idem = parseDelivery(delivery(fixture('note_issue.json'), { ...base, 'idempotency-key': 'idem-1', 'x-gitlab-webhook-uuid': 'hook-1' }));
    expect(idem).toMatchObject({ event: { deliveryId: 'idem-1' } });
    const hook = parseDelivery(delivery(fixture('note_issue.json'), { ...base, 'x-gitlab-webhook-uuid': 'hook-1' }));
    expect(hook).toMatchObject({ event: { deliveryId: 'hook-1' } });
    expect(parseDelivery(delivery(fixture('note_issue.json'), base))).toMatchObject({ event: { deliveryId: null } });
  });

  it('other hooks, commit and snippet comments and system notes are ignored, each with its reason', () => {
    const push = parseDelivery(delivery('{"object_kind":"push"}', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-event-uuid': 'u1' }));
    expect(push).toEqual({ kind: 'ignored', reason: 'GitLab Push Hook: a push; commands are given in comments', deliveryId: 'u1', eventType: 'Push Hook' });
    expect(parseDelivery(delivery('{}', { 'x-gitlab-event': 'Wiki Page Hook' }))).toMatchObject({ reason: 'GitLab event "Wiki Page Hook" is not handled' });
    expect(parseDelivery(delivery('{}', {}))).toMatchObject({ kind: 'ignored', reason: 'missing X-Gitlab-Event header' });
    const snippet = parseDelivery(delivery(edited('note_issue.json', (p) => (p.object_attributes.noteable_type = 'Snippet'))));
    expect(snippet).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('a comment on a Snippet') });
    const system = parseDelivery(delivery(edited('note_merge_request.json', (p) => (p.object_attributes.system = true))));
    expect(system).toMatchObject({ kind: 'ignored', reason: 'a system note written by GitLab itself', eventType: 'merge_request_note.create' });
  });

  it('names the missing fields of a malformed note, and refuses a project path that is not one', () => {
    const missing = parseDelivery(delivery(edited('note_issue.json', (p) => delete p.project)));
    expect(missing).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('project') });
    for (const bad of ['../../etc', 'group/../x', 'a b/c', 'https://evil.example/x', 'single']) {
      const parsed = parseDelivery(delivery(edited('note_issue.json', (p) => (p.project.path_with_namespace = bad))));
      expect(parsed, bad).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('project.path_with_namespace') });
    }
    expect(parseDelivery(delivery('not json'))).toMatchObject({ kind: 'ignored', reason: 'body is not a JSON object' });
  });

  it('an internal note, or any note on a confidential issue, makes the replies internal', () => {
    const plain = parseDelivery(delivery(fixture('note_issue.json')));
    expect(plain.kind === 'event' && 'internal' in plain.event.target).toBe(false);
    const confidential = parseDelivery(delivery(edited('note_issue.json', (p) => (p.event_type = 'confidential_note'))));
    expect(confidential).toMatchObject({ event: { target: { internal: true } } });
    const internal = parseDelivery(delivery(edited('note_merge_request.json', (p) => (p.object_attributes.internal = true))));
    expect(internal).toMatchObject({ event: { target: { internal: true } } });
  });

  it('project and group access-token users are bots; people are not', () => {
    for (const name of ['project_5_bot_3f2a9c', 'group_12_bot_0a1b', 'project_5_bot1', 'project_5_bot']) expect(isGitlabBotUsername(name), name).toBe(true);
    for (const name of ['root', 'robot', 'project_manager', 'bot_project_5']) expect(isGitlabBotUsername(name), name).toBe(false);
    const bot = parseDelivery(delivery(edited('note_issue.json', (p) => (p.user.username = 'project_5_bot_3f2a9c'))));
    expect(bot).toMatchObject({ event: { actor: { isBot: true } } });
  });
});
