import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { signGeneric, signGithub, signJira, signSentry, signSlack } from '../../test/support/signing.js';
import { verifyGithub } from './providers/github/verify.js';
import { verifyJira } from './providers/jira/verify.js';
import { verifySentry } from './providers/sentry/verify.js';
import { verifySlack } from './providers/slack/verify.js';
import { verifyGeneric } from './signatures.js';

// The shared fixtures live beside the repository (../shared/fixtures); a copy under test/fixtures wins if present.
const FIXTURE_DIRS = ['../../test/fixtures/', '../../../shared/fixtures/'].map((p) =>
  fileURLToPath(new URL(p, import.meta.url)),
);
function rawFixture(relative: string): string {
  const dir = FIXTURE_DIRS.find((d) => existsSync(d + relative));
  if (!dir) throw new Error(`fixture ${relative} not found in ${FIXTURE_DIRS.join(' or ')}`);
  return readFileSync(dir + relative, 'utf8'); // exact bytes: never parse and re-serialise a signed body
}

// PROTOCOLS.md §7.
const GITHUB_SECRET = "It's a Secret to Everybody";
const V1 = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
const V2 = 'sha256=8f00abdc9a33366aac15abd1e31bd08c9e9d31f494a7034178605a08adb8e434';
const V3_SHA1 = 'sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59';
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const SLACK_TS = '1531420618';
const SLACK_NOW_MS = 1531420618 * 1000;
const V4 = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const V5 = 'v0=f9bd80929259f3f6d5fe3a3186c453c89cd1ad4862815a15837584f31c993652';
const V6_BODY = '{"webhookEvent":"jira:issue_created","issue":{"key":"TEST-1"}}';
const V6 = 'sha256=378096b00db96eda7d2dfc35e9e8380abf3775b65a7c6fc890682b5fb6fd3e25';
const SENTRY_SECRET = 'test-client-secret';
const V7 = 'e4f2518997129ac3af1c416e75cb3f86ae009cbb35ced4437e009fcd533f3e32';

const slashCommandBody = rawFixture('slack/slash_command.txt');
const urlVerificationBody = rawFixture('slack/url_verification.json');
const sentryCommentBody = rawFixture('sentry/comment_created.json');

const MISMATCH = 'signature does not match the body and the configured secret';

describe('exact-bytes fixtures', () => {
  it('hold the bodies printed in PROTOCOLS.md §7, with no trailing newline', () => {
    expect(slashCommandBody.startsWith('token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&')).toBe(true);
    expect(slashCommandBody.endsWith('&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c')).toBe(true);
    expect(urlVerificationBody).toBe(
      '{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}',
    );
    expect(sentryCommentBody).toBe(
      '{"action":"created","installation":{"uuid":"eac5a0ae-60ec-418f-9318-46dc5e7e52ec"},"data":{"comment":"adding a comment","project_slug":"sentry","comment_id":1234,"issue_id":100,"timestamp":"2022-03-02T21:51:44.118160Z"},"actor":{"type":"user","id":1,"name":"colleen"}}',
    );
  });
});

describe('verifyGithub', () => {
  it('vector 1 (official): accepts the GitHub docs example', async () => {
    expect(await verifyGithub(GITHUB_SECRET, 'Hello, World!', V1)).toEqual({ ok: true });
    expect(signGithub(GITHUB_SECRET, 'Hello, World!')).toBe(V1);
    expect(await octokitSign(GITHUB_SECRET, 'Hello, World!')).toBe(V1);
  });

  it('vector 2: "Hello, World" has its own signature, and vector 1 does not verify it', async () => {
    expect(V2).not.toBe(V1);
    expect(signGithub(GITHUB_SECRET, 'Hello, World')).toBe(V2);
    expect(await verifyGithub(GITHUB_SECRET, 'Hello, World', V2)).toEqual({ ok: true });
    expect(await verifyGithub(GITHUB_SECRET, 'Hello, World', V1)).toEqual({ ok: false, why: MISMATCH });
  });

  it('vector 3: the SHA-1 X-Hub-Signature value is not accepted in place of SHA-256', async () => {
    expect(`sha1=${createHmac('sha1', GITHUB_SECRET).update('Hello, World!').digest('hex')}`).toBe(V3_SHA1);
    const result = await verifyGithub(GITHUB_SECRET, 'Hello, World!', V3_SHA1);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.why).toMatch(/^malformed signature: expected sha256=<64 hex chars>, got a SHA-1/);
  });

  it('rejects a tampered body, a wrong secret, a missing header and a malformed header', async () => {
    expect(await verifyGithub(GITHUB_SECRET, 'Hello, World!!', V1)).toEqual({ ok: false, why: MISMATCH });
    expect(await verifyGithub('another secret', 'Hello, World!', V1)).toEqual({ ok: false, why: MISMATCH });
    expect(await verifyGithub(GITHUB_SECRET, 'Hello, World!', undefined)).toEqual({
      ok: false,
      why: 'missing X-Hub-Signature-256 header',
    });
    for (const bad of ['', V1.slice(7), V1.slice(0, -1), `${V1}0`, V1.replace('sha256=', 'sha512='), `${V1.slice(0, -1)}g`]) {
      const result = await verifyGithub(GITHUB_SECRET, 'Hello, World!', bad);
      expect(result.ok).toBe(false);
    }
    expect(await verifyGithub(GITHUB_SECRET, 'Hello, World!', 'sha256=abc')).toEqual({
      ok: false,
      why: 'malformed signature: expected sha256=<64 hex chars>',
    });
  });

  it('accepts upper-case hex, and fails closed without a secret or with an empty body', async () => {
    expect(await verifyGithub(GITHUB_SECRET, 'Hello, World!', `sha256=${V1.slice(7).toUpperCase()}`)).toEqual({ ok: true });
    const noSecret = await verifyGithub('', 'Hello, World!', V1);
    expect(!noSecret.ok && noSecret.why).toMatch(/not configured/);
    const empty = await verifyGithub(GITHUB_SECRET, '', signGithub(GITHUB_SECRET, ''));
    expect(!empty.ok && empty.why).toMatch(/body is empty/);
  });
});

describe('verifySlack', () => {
  it('vector 4 (official): accepts the slash-command example read raw from the fixture', () => {
    expect(verifySlack(SLACK_SECRET, slashCommandBody, V4, SLACK_TS, SLACK_NOW_MS)).toEqual({ ok: true });
    expect(signSlack(SLACK_SECRET, slashCommandBody, SLACK_TS)).toBe(V4);
  });

  it('vector 5: accepts the url_verification body read raw from the fixture', () => {
    expect(verifySlack(SLACK_SECRET, urlVerificationBody, V5, SLACK_TS, SLACK_NOW_MS)).toEqual({ ok: true });
    expect(signSlack(SLACK_SECRET, urlVerificationBody, SLACK_TS)).toBe(V5);
  });

  it('rejects a tampered body, a re-serialised body and a signature made for another timestamp', () => {
    expect(verifySlack(SLACK_SECRET, slashCommandBody.replace('roadrunner', 'coyote'), V4, SLACK_TS, SLACK_NOW_MS)).toEqual({
      ok: false,
      why: MISMATCH,
    });
    const reserialised = JSON.stringify(JSON.parse(urlVerificationBody), null, 2);
    expect(verifySlack(SLACK_SECRET, reserialised, V5, SLACK_TS, SLACK_NOW_MS)).toEqual({ ok: false, why: MISMATCH });
    // A replayed signature under a fresh timestamp header: the timestamp is inside the HMAC.
    expect(verifySlack(SLACK_SECRET, slashCommandBody, V4, '1531420619', SLACK_NOW_MS)).toEqual({ ok: false, why: MISMATCH });
  });

  it('rejects a stale timestamp (301 s old), as Bolt does', () => {
    expect(verifySlack(SLACK_SECRET, slashCommandBody, V4, SLACK_TS, SLACK_NOW_MS + 301_000)).toEqual({
      ok: false,
      why: 'timestamp is 301 s from now; more than 300 s apart is rejected as a possible replay',
    });
  });

  it('rejects a future timestamp (+301 s), which Bolt would accept', () => {
    expect(verifySlack(SLACK_SECRET, slashCommandBody, V4, SLACK_TS, SLACK_NOW_MS - 301_000)).toEqual({
      ok: false,
      why: 'timestamp is 301 s from now; more than 300 s apart is rejected as a possible replay',
    });
  });

  it('accepts exactly 300 s in either direction (the boundary)', () => {
    expect(verifySlack(SLACK_SECRET, slashCommandBody, V4, SLACK_TS, SLACK_NOW_MS + 300_000)).toEqual({ ok: true });
    expect(verifySlack(SLACK_SECRET, slashCommandBody, V4, SLACK_TS, SLACK_NOW_MS + 300_999)).toEqual({ ok: true });
    expect(verifySlack(SLACK_SECRET, slashCommandBody, V4, SLACK_TS, SLACK_NOW_MS - 300_000)).toEqual({ ok: true });
  });

  it('uses the real clock by default, so the 2018 vector is stale today', () => {
    const result = verifySlack(SLACK_SECRET, slashCommandBody, V4, SLACK_TS);
    expect(!result.ok && result.why).toMatch(/^timestamp is \d+ s from now/);
  });

  it('explains missing and malformed headers', () => {
    const why = (sig: string | undefined, ts: string | undefined) => {
      const result = verifySlack(SLACK_SECRET, slashCommandBody, sig, ts, SLACK_NOW_MS);
      return result.ok ? 'ok' : result.why;
    };
    expect(why(undefined, SLACK_TS)).toBe('missing X-Slack-Signature header');
    expect(why(V4, undefined)).toBe('missing X-Slack-Request-Timestamp header');
    expect(why(V4.replace('v0=', 'v1='), SLACK_TS)).toBe('malformed signature: expected v0=<64 hex chars>');
    expect(why(V4.slice(0, -2), SLACK_TS)).toBe('malformed signature: expected v0=<64 hex chars>');
    for (const ts of ['1531420618.5', '-1531420618', 'now', ' 1531420618']) {
      expect(why(V4, ts)).toBe('malformed X-Slack-Request-Timestamp: expected whole seconds since the Unix epoch');
    }
    expect(verifySlack('', slashCommandBody, V4, SLACK_TS, SLACK_NOW_MS).ok).toBe(false);
  });
});

describe('verifyJira', () => {
  it('vector 6: accepts the derived Jira vector', () => {
    expect(verifyJira(GITHUB_SECRET, V6_BODY, V6)).toEqual({ ok: true });
    expect(signJira(GITHUB_SECRET, V6_BODY)).toBe(V6);
  });

  it('rejects a tampered body, a missing header and a bare hex header', () => {
    expect(verifyJira(GITHUB_SECRET, V6_BODY.replace('TEST-1', 'TEST-2'), V6)).toEqual({ ok: false, why: MISMATCH });
    expect(verifyJira(GITHUB_SECRET, V6_BODY, undefined)).toEqual({ ok: false, why: 'missing X-Hub-Signature header' });
    expect(verifyJira(GITHUB_SECRET, V6_BODY, V6.slice(7))).toEqual({
      ok: false,
      why: 'malformed signature: expected sha256=<64 hex chars>',
    });
  });
});

describe('verifySentry', () => {
  it('vector 7: accepts the comment webhook read raw from the fixture', () => {
    expect(verifySentry(SENTRY_SECRET, sentryCommentBody, V7)).toEqual({ ok: true });
    expect(signSentry(SENTRY_SECRET, sentryCommentBody)).toBe(V7);
  });

  it('rejects the same payload re-serialised the way the Sentry docs sample does', () => {
    const docsOrder = JSON.parse(sentryCommentBody) as Record<string, unknown>;
    const { action, data, installation, actor } = docsOrder;
    expect(verifySentry(SENTRY_SECRET, JSON.stringify({ action, data, installation, actor }), V7)).toEqual({
      ok: false,
      why: MISMATCH,
    });
  });

  it('rejects a tampered body, a missing header and a sha256= prefix', () => {
    expect(verifySentry(SENTRY_SECRET, sentryCommentBody.replace('adding', 'editing'), V7)).toEqual({ ok: false, why: MISMATCH });
    expect(verifySentry(SENTRY_SECRET, sentryCommentBody, undefined)).toEqual({
      ok: false,
      why: 'missing Sentry-Hook-Signature header',
    });
    expect(verifySentry(SENTRY_SECRET, sentryCommentBody, `sha256=${V7}`)).toEqual({
      ok: false,
      why: 'malformed signature: expected <64 hex chars> with no prefix',
    });
  });
});

describe('verifyGeneric', () => {
  it('accepts X-Signature-256 made with the shared secret and rejects anything else', () => {
    const body = '{"prompt":"fix the flaky test","repo":"o/r"}';
    const signature = signGeneric('generic-secret', body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyGeneric('generic-secret', body, signature)).toEqual({ ok: true });
    expect(verifyGeneric('generic-secret', `${body} `, signature)).toEqual({ ok: false, why: MISMATCH });
    expect(verifyGeneric('other-secret', body, signature)).toEqual({ ok: false, why: MISMATCH });
    expect(verifyGeneric('generic-secret', body, undefined)).toEqual({ ok: false, why: 'missing X-Signature-256 header' });
    expect(verifyGeneric('generic-secret', body, 'sha256=')).toEqual({
      ok: false,
      why: 'malformed signature: expected sha256=<64 hex chars>',
    });
  });
});
