// What the webhook signature checks share, and the generic webhook's own; each provider's check is in its folder
// (providers/<name>/verify.ts). Pure functions: no I/O, no globals, the clock is a parameter. Every check runs
// against the raw request body exactly as received; re-serialised JSON will not match.
// Header formats and vectors: PROTOCOLS.md §1–5 and §7.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Verification = { ok: true } | { ok: false; why: string };

const SHA256_PREFIXED = /^sha256=[0-9a-fA-F]{64}$/;

export const MISMATCH = 'signature does not match the body and the configured secret';

export const ok: Verification = { ok: true };
export const fail = (why: string): Verification => ({ ok: false, why });

/** Our own generic webhook: `X-Signature-256: sha256=<hex>` = HMAC-SHA256(secret, raw body). */
export function verifyGeneric(secret: string, rawBody: string, signature: string | undefined): Verification {
  return verifyPrefixed('X-Signature-256', 'the webhook secret', secret, rawBody, signature);
}

export function verifyPrefixed(
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
export function precheckPrefixed(
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

export function noSecret(name: string): string {
  return `${name} is not configured, so no request can be verified`;
}

export function hmacSha256Hex(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('hex');
}

/** Constant-time comparison of two 64-char hex digests (callers have already checked the format). */
export function hexEquals(expectedHex: string, givenHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'hex');
  const given = Buffer.from(givenHex, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
