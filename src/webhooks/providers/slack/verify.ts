// PROTOCOLS.md has the header format and test vectors. Pure: no I/O, no globals; the clock is a parameter.
import { fail, hexEquals, hmacSha256Hex, MISMATCH, noSecret, ok, type Verification } from '../../signatures.js';

/** Slack's replay window: requests whose timestamp is further than this from now, either way, are rejected. */
export const SLACK_MAX_SKEW_SECONDS = 300;

const SLACK_V0 = /^v0=[0-9a-fA-F]{64}$/;
const WHOLE_SECONDS = /^\d{1,12}$/;

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
