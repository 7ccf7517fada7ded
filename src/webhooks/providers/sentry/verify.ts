// PROTOCOLS.md has the header format and test vectors. Pure: no I/O, no globals; the clock is a parameter.
import { fail, hexEquals, hmacSha256Hex, MISMATCH, noSecret, ok, type Verification } from '../../signatures.js';

const BARE_HEX = /^[0-9a-fA-F]{64}$/;

/** Sentry integration: `Sentry-Hook-Signature: <hex>` (no prefix) = HMAC-SHA256(client secret, raw body). */
export function verifySentry(secret: string, rawBody: string, signature: string | undefined): Verification {
  if (!secret) return fail(noSecret('the Sentry client secret'));
  if (!signature) return fail('missing Sentry-Hook-Signature header');
  if (!BARE_HEX.test(signature)) return fail('malformed signature: expected <64 hex chars> with no prefix');
  return hexEquals(hmacSha256Hex(secret, rawBody), signature) ? ok : fail(MISMATCH);
}
