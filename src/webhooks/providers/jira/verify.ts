// PROTOCOLS.md has the header format and test vectors. Pure: no I/O, no globals; the clock is a parameter.
import { type Verification, verifyPrefixed } from '../../signatures.js';

/** Jira Cloud admin webhook with a secret: `X-Hub-Signature: sha256=<hex>` = HMAC-SHA256(secret, raw body). */
export function verifyJira(secret: string, rawBody: string, signature: string | undefined): Verification {
  return verifyPrefixed('X-Hub-Signature', 'the Jira webhook secret', secret, rawBody, signature);
}
