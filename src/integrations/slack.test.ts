import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeProvider } from '../../test/support/fake-providers.js';
import { IntegrationError, type RetryOptions } from './retry.js';
import { createSlackClient, type SlackClient } from './slack.js';

const TOKEN = 'xoxb-test-token-never-printed';

let fake: FakeProvider;
let slept: number[];
let retry: RetryOptions;
let slack: SlackClient;

beforeEach(async () => {
  fake = await startFakeSlack();
  slept = [];
  retry = { delaysMs: [10, 20, 40], jitter: 0, sleep: async (ms) => void slept.push(ms) };
  slack = createSlackClient({ token: TOKEN, apiUrl: `${fake.url}/api/`, retry });
});
afterEach(async () => {
  await fake.close();
});

describe('Slack client against the fake Web API', () => {
  it('posts a threaded message with blocks and returns its ts and channel', async () => {
    const blocks = [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: '*Working on it*' } }];
    const posted = await slack.postMessage({ channel: 'C123ABC456', text: 'Working on it', threadTs: '1515449522.000016', blocks });
    expect(posted).toEqual({ ts: '1700000001.000100', channel: 'C123ABC456' });
    const call = fake.calls[0]!;
    expect(call).toMatchObject({ method: 'POST', path: '/api/chat.postMessage' });
    expect(call.body).toMatchObject({ channel: 'C123ABC456', text: 'Working on it', thread_ts: '1515449522.000016' });
    expect(JSON.parse(call.body.blocks)).toEqual(blocks); // WebClient form-encodes, JSON-stringifying arrays
    expect(call.headers.authorization).toBe('Bearer [redacted]');
    expect(fake.sawCredential(TOKEN)).toBe(true);
  });

  it('updates a message', async () => {
    await slack.updateMessage({ channel: 'C123ABC456', ts: '1700000001.000100', text: 'Done' });
    expect(fake.calls[0]).toMatchObject({
      path: '/api/chat.update',
      body: { channel: 'C123ABC456', ts: '1700000001.000100', text: 'Done' },
    });
  });

  it('adds a reaction, and treats already_reacted as success', async () => {
    await slack.addReaction({ channel: 'C123ABC456', timestamp: '1515449522.000016', name: 'eyes' });
    await slack.addReaction({ channel: 'C123ABC456', timestamp: '1515449522.000016', name: 'eyes' });
    expect(fake.calls.map((c) => [c.path, c.body])).toEqual([
      ['/api/reactions.add', { channel: 'C123ABC456', timestamp: '1515449522.000016', name: 'eyes' }],
      ['/api/reactions.add', { channel: 'C123ABC456', timestamp: '1515449522.000016', name: 'eyes' }],
    ]);
  });

  it('reports other platform errors (HTTP 200, ok:false) without retrying', async () => {
    const error = await slack.postMessage({ channel: '', text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrationError);
    expect((error as Error).message).toBe('Slack chat.postMessage failed: channel_not_found');
    expect(fake.calls).toHaveLength(1);
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(TOKEN);
  });

  it('retries a 500 and then a 429 with Retry-After, then succeeds', async () => {
    fake.failNext(1, 500);
    fake.failNext(1, 429, { 'retry-after': '30' });
    const started = Date.now();
    await slack.postMessage({ channel: 'C1', text: 'hello' });
    expect(fake.calls.map((c) => c.status)).toEqual([500, 429, 200]);
    expect(slept).toEqual([10, 30_000]);
    // Only our (injected) sleep waited: WebClient did not sleep the 30 s itself (rejectRateLimitedCalls).
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('does not retry an HTTP 404 (WebClient alone would retry it ten times)', async () => {
    fake.failNext(1, 404);
    await expect(slack.updateMessage({ channel: 'C1', ts: '1.2', text: 'x' })).rejects.toThrow('Slack chat.update failed: 404 Not Found');
    expect(fake.calls).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it('gives up after the bounded schedule', async () => {
    fake.failNext(10, 503);
    await expect(slack.addReaction({ channel: 'C1', timestamp: '1.2', name: 'eyes' })).rejects.toThrow(
      'Slack reactions.add failed: 503 Service Unavailable (gave up after 4 attempts)',
    );
    expect(fake.calls).toHaveLength(4);
  });
});

describe('Slack response_url', () => {
  it('POSTs JSON to the response URL', async () => {
    await slack.respond(`${fake.url}/respond/T1DC2JH3J-397700885554`, { text: 'Queued', response_type: 'ephemeral' });
    expect(fake.calls[0]).toMatchObject({
      method: 'POST',
      path: '/respond/T1DC2JH3J-397700885554',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: { text: 'Queued', response_type: 'ephemeral' },
    });
  });

  it('retries a 503, does not retry a 404, and keeps the URL (a credential) out of the error', async () => {
    const url = `${fake.url}/respond/secret-hook-id`;
    fake.failNext(1, 503);
    await slack.respond(url, { text: 'one', replace_original: true });
    expect(fake.calls.map((c) => c.status)).toEqual([503, 200]);

    fake.failNext(1, 404);
    const error = (await slack.respond(url, { text: 'two' }).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe('Slack POST response_url failed: 404 Not Found: upstream failure');
    expect(error.message).not.toContain('secret-hook-id');
    expect(fake.calls).toHaveLength(3);
  });

  it('refuses a response URL outside the allowed origins without sending anything', async () => {
    const guarded = createSlackClient({ token: TOKEN, apiUrl: `${fake.url}/api/`, retry, responseUrlOrigins: ['https://hooks.slack.com'] });
    const error = (await guarded.respond(`${fake.url}/respond/secret-hook-id`, { text: 'x' }).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(`refused: ${fake.url} is not a Slack host`);
    expect(error.message).not.toContain('secret-hook-id');
    expect(fake.calls).toHaveLength(0);
  });
});
