// Webhook signature checks, one per provider. Pure functions: no I/O, no globals, the clock is a parameter.
// Every check runs against the raw request body exactly as received; re-serialised JSON will not match.
// Header formats and vectors: PROTOCOLS.md §1–5 and §7.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { verify as verifyGithubHmac } from '@octokit/webhooks-methods';

export type Verification = { ok: true } | { ok: false; why: string };

/** Slack's replay window: requests whose timestamp is further than this from now, either way, are rejected. */
export const SLACK_MAX_SKEW_SECONDS = 300;

const SHA256_PREFIXED = /^sha256=[0-9a-fA-F]{64}$/;
const SLACK_V0 = /^v0=[0-9a-fA-F]{64}$/;
const BARE_HEX = /^[0-9a-fA-F]{64}$/;
const WHOLE_SECONDS = /^\d{1,12}$/;

const MISMATCH = 'signature does not match the body and the configured secret';

const ok: Verification = { ok: true };
const fail = (why: string): Verification => ({ ok: false, why });

/** GitHub: `X-Hub-Signature-256: sha256=<hex>` = HMAC-SHA256(webhook secret, raw body). */
export async function verifyGithub(
  secret: string,
  rawBody: string,
  signature256: string | undefined,
): Promise<Verification> {
  const precheck = precheckPrefixed('X-Hub-Signature-256', 'the GitHub webhook secret', secret, signature256);
  if (precheck) return precheck;
  // @octokit/webhooks-methods throws a TypeError on an empty payload; GitHub never sends one, so say so plainly.
  if (rawBody.length === 0) return fail('request body is empty; GitHub always signs a non-empty body');
  const matches = await verifyGithubHmac(secret, rawBody, lowerHex(signature256!));
  return matches ? ok : fail(MISMATCH);
}

/**
 * Slack: `X-Slack-Signature: v0=<hex>` = HMAC-SHA256(signing secret, `v0:<X-Slack-Request-Timestamp>:<raw body>`).
 * Stricter than Bolt, which accepts any future timestamp: more than 300 s off in either direction is rejected.
 */
export function verifySlack(
  secret: string,
  rawBody: string,
  signature: string | undefined,
  timestamp: string | undefined,
  nowMs: number = Date.now(),
): Verification {
  if (!secret) return fail(noSecret('the Slack signing secret'));
  if (!signature) return fail('missing X-Slack-Signature header');
  if (!timestamp) return fail('missing X-Slack-Request-Timestamp header');
  if (!SLACK_V0.test(signature)) return fail('malformed signature: expected v0=<64 hex chars>');
  if (!WHOLE_SECONDS.test(timestamp)) {
    return fail('malformed X-Slack-Request-Timestamp: expected whole seconds since the Unix epoch');
  }
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(timestamp));
  if (skew > SLACK_MAX_SKEW_SECONDS) {
    return fail(
      `timestamp is ${skew} s from now; more than ${SLACK_MAX_SKEW_SECONDS} s apart is rejected as a possible replay`,
    );
  }
  const expected = hmacSha256Hex(secret, `v0:${timestamp}:${rawBody}`);
  return hexEquals(expected, signature.slice('v0='.length)) ? ok : fail(MISMATCH);
}

/** Jira Cloud admin webhook with a secret: `X-Hub-Signature: sha256=<hex>` = HMAC-SHA256(secret, raw body). */
export function verifyJira(secret: string, rawBody: string, signature: string | undefined): Verification {
  return verifyPrefixed('X-Hub-Signature', 'the Jira webhook secret', secret, rawBody, signature);
}

/** Sentry integration: `Sentry-Hook-Signature: <hex>` (no prefix) = HMAC-SHA256(client secret, raw body). */
export function verifySentry(secret: string, rawBody: string, signature: string | undefined): Verification {
  if (!secret) return fail(noSecret('the Sentry client secret'));
  if (!signature) return fail('missing Sentry-Hook-Signature header');
  if (!BARE_HEX.test(signature)) return fail('malformed signature: expected <64 hex chars> with no prefix');
  return hexEquals(hmacSha256Hex(secret, rawBody), signature) ? ok : fail(MISMATCH);
}

/** Our own generic webhook: `X-Signature-256: sha256=<hex>` = HMAC-SHA256(secret, raw body). */
export function verifyGeneric(secret: string, rawBody: string, signature: string | undefined): Verification {
  return verifyPrefixed('X-Signature-256', 'the webhook secret', secret, rawBody, signature);
}

function verifyPrefixed(
  header: string,
  secretName: string,
  secret: string,
  rawBody: string,
  signature: string | undefined,
): Verification {
  const precheck = precheckPrefixed(header, secretName, secret, signature);
  if (precheck) return precheck;
  return hexEquals(hmacSha256Hex(secret, rawBody), signature!.slice('sha256='.length)) ? ok : fail(MISMATCH);
}

/** Shared checks for `sha256=<hex>` headers; returns a failure, or undefined when the header is well-formed. */
function precheckPrefixed(
  header: string,
  secretName: string,
  secret: string,
  signature: string | undefined,
): Verification | undefined {
  if (!secret) return fail(noSecret(secretName));
  if (!signature) return fail(`missing ${header} header`);
  if (SHA256_PREFIXED.test(signature)) return undefined;
  if (signature.startsWith('sha1=')) {
    return fail(`malformed signature: expected sha256=<64 hex chars>, got a SHA-1 signature (sha1=…) in ${header}`);
  }
  return fail('malformed signature: expected sha256=<64 hex chars>');
}

function noSecret(name: string): string {
  return `${name} is not configured, so no request can be verified`;
}

function hmacSha256Hex(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('hex');
}

/** Constant-time comparison of two 64-char hex digests (callers have already checked the format). */
function hexEquals(expectedHex: string, givenHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'hex');
  const given = Buffer.from(givenHex, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function lowerHex(prefixed: string): string {
  const [algorithm, hex = ''] = prefixed.split('=', 2);
  return `${algorithm}=${hex.toLowerCase()}`;
}
