import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeJira, type FakeProvider } from '../../test/support/fake-providers.js';
import { createJiraClient, textToAdf, type JiraClient } from './jira.js';
import { IntegrationError, type RetryOptions } from './retry.js';

const EMAIL = 'agent@example.com';
const API_TOKEN = 'jira-api-token-never-printed';

let fake: FakeProvider;
let slept: number[];
let retry: RetryOptions;
let jira: JiraClient;

beforeEach(async () => {
  fake = await startFakeJira();
  slept = [];
  retry = { delaysMs: [10, 20, 40], jitter: 0, sleep: async (ms) => void slept.push(ms) };
  jira = createJiraClient({ baseUrl: fake.url, email: EMAIL, apiToken: API_TOKEN, retry });
});
afterEach(async () => {
  await fake.close();
});

describe('textToAdf', () => {
  it('makes one paragraph per blank-line-separated block, with hard breaks for single newlines', () => {
    expect(textToAdf('Found the bug.\r\n\r\nRoot cause: a race.\nFix: a lock.\n\n  \n\nPR: #12\n')).toEqual({
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'Found the bug.' }] },
        {
          type: 'paragraph',
          content: [{ type: 'text', text: 'Root cause: a race.' }, { type: 'hardBreak' }, { type: 'text', text: 'Fix: a lock.' }],
        },
        { type: 'paragraph', content: [{ type: 'text', text: 'PR: #12' }] },
      ],
    });
  });

  it('never emits an empty text node', () => {
    expect(textToAdf('')).toEqual({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [] }] });
    expect(textToAdf('a\n\nb').content).toHaveLength(2);
    const json = JSON.stringify(textToAdf('x\n\n\n\ny\n \nz'));
    expect(json).not.toContain('"text":""');
  });
});

describe('Jira client against the fake REST v3 API', () => {
  it('adds a comment as an ADF document with several paragraphs, using Basic auth', async () => {
    const created = await jira.addComment({ issueKey: 'PROJ-5', text: 'Looking into it.\n\nWill report back.' });
    expect(created).toEqual({ id: '10000' });
    const call = fake.calls[0]!;
    expect(call).toMatchObject({ method: 'POST', path: '/rest/api/3/issue/PROJ-5/comment', status: 201 });
    expect(call.body.body).toEqual({
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'Looking into it.' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'Will report back.' }] },
      ],
    });
    expect(call.headers.authorization).toBe('Basic [redacted]');
    expect(fake.sawCredential(API_TOKEN)).toBe(true);
    expect(fake.sawCredential(EMAIL)).toBe(true);
  });

  it('updates a comment with PUT', async () => {
    const { id } = await jira.addComment({ issueKey: 'PROJ-5', text: 'Working…' });
    expect(await jira.updateComment({ issueKey: 'PROJ-5', commentId: id, text: 'Done.\n\nSee PR #12.' })).toEqual({ id });
    const call = fake.calls[1]!;
    expect(call).toMatchObject({ method: 'PUT', path: `/rest/api/3/issue/PROJ-5/comment/${id}`, status: 200 });
    expect(call.body.body.content).toHaveLength(2);
  });

  it('retries a 500 and then a 429 with Retry-After, then succeeds', async () => {
    fake.failNext(1, 500);
    fake.failNext(1, 429, { 'retry-after': '3' });
    await jira.addComment({ issueKey: 'PROJ-5', text: 'hello' });
    expect(fake.calls.map((c) => c.status)).toEqual([500, 429, 201]);
    expect(slept).toEqual([10, 3_000]);
  });

  it('does not retry a 404, and says what failed with Jira’s own message', async () => {
    const error = await jira.updateComment({ issueKey: 'PROJ-5', commentId: '99999', text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrationError);
    expect((error as Error).message).toBe(
      'Jira PUT /rest/api/3/issue/PROJ-5/comment/99999 failed: 404 Not Found: Can not find a comment for the id: 99999.',
    );
    expect(fake.calls).toHaveLength(1);
    // jira.js keeps the axios config (with the Authorization header) on its exception; none of it survives here.
    const printed = inspect(error, { depth: 10, showHidden: true });
    expect(printed).not.toContain(Buffer.from(`${EMAIL}:${API_TOKEN}`).toString('base64'));
    expect(printed).not.toContain(API_TOKEN);
  });

  it('reports an unreachable host as a network failure after retrying', async () => {
    const url = fake.url;
    await fake.close();
    const offline = createJiraClient({ baseUrl: url, email: EMAIL, apiToken: API_TOKEN, retry });
    await expect(offline.addComment({ issueKey: 'PROJ-5', text: 'x' })).rejects.toThrow(
      'Jira POST /rest/api/3/issue/PROJ-5/comment failed: no response (ECONNREFUSED) (gave up after 4 attempts)',
    );
    fake = await startFakeJira(); // for afterEach
  });
});
