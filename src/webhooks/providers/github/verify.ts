// PROTOCOLS.md has the header format and test vectors. Pure: no I/O, no globals; the clock is a parameter.
import { verify as verifyGithubHmac } from '@octokit/webhooks-methods';
import { fail, MISMATCH, ok, precheckPrefixed, type Verification } from '../../signatures.js';

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

function lowerHex(prefixed: string): string {
  const [algorithm, hex = ''] = prefixed.split('=', 2);
  return `${algorithm}=${hex.toLowerCase()}`;
}
