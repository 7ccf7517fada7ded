// Header values for signed test requests, computed the way each provider computes them (PROTOCOLS.md §1).
// Tests pass the exact body string they send; signing a re-serialised copy would prove nothing.
import { createHmac } from 'node:crypto';

function hmacSha256Hex(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('hex');
}

/** `X-Hub-Signature-256` value. */
export function signGithub(secret: string, body: string): string {
  return `sha256=${hmacSha256Hex(secret, body)}`;
}

/** `X-Slack-Signature` value for a request whose `X-Slack-Request-Timestamp` is `tsSeconds`. */
export function signSlack(secret: string, body: string, tsSeconds: number | string): string {
  return `v0=${hmacSha256Hex(secret, `v0:${tsSeconds}:${body}`)}`;
}

/** `X-Hub-Signature` value (Jira Cloud admin webhook with a secret). */
export function signJira(secret: string, body: string): string {
  return `sha256=${hmacSha256Hex(secret, body)}`;
}

/** `Sentry-Hook-Signature` value (bare hex, no prefix). */
export function signSentry(secret: string, body: string): string {
  return hmacSha256Hex(secret, body);
}

/** `X-Signature-256` value for the generic webhook. */
export function signGeneric(secret: string, body: string): string {
  return `sha256=${hmacSha256Hex(secret, body)}`;
}
