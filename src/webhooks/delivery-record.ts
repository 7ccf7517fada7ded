// What is kept of a delivery: the keys that recognise it again, and its headers. Signed deliveries are kept whole
// (minus signatures); unsigned ones only as a small record, since anyone can send them.
import { createHash } from 'node:crypto';
import type { UnverifiedPost } from '../storage/repositories/webhook-events.js';
import { signatureHeaders } from './providers/index.js';

/** Never stored: every provider's signature headers, the generic webhook's, and credentials. */
const SIGNATURE_HEADERS = [...signatureHeaders(), 'x-signature-256', 'authorization', 'cookie'];
/** The only headers kept of an unsigned post: enough to tell which provider meant to send it. */
const UNVERIFIED_HEADERS = [
  'content-type', 'content-length', 'user-agent', 'x-github-event', 'x-github-delivery', 'x-github-hook-id', 'x-slack-request-timestamp',
  'x-slack-retry-num', 'x-atlassian-webhook-identifier', 'sentry-hook-resource', 'sentry-hook-timestamp', 'request-id', 'x-event-type', 'x-delivery-id',
];
const UNVERIFIED_HEAD_CHARS = 1024;
const UNVERIFIED_HEADER_CHARS = 200;

/** A signed delivery's headers as stored: everything but signatures and credentials. */
export function safeHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !SIGNATURE_HEADERS.includes(k)));
}

/** What is kept of an unsigned post: a 1 KiB head of the body, its size, a few short headers, and why it was refused. */
export function unverifiedPost(webhookId: string | null, provider: string, headers: Record<string, string>, rawBody: string, why: string): UnverifiedPost {
  const kept = UNVERIFIED_HEADERS.filter((h) => headers[h] !== undefined).map((h) => [h, headers[h]!.slice(0, UNVERIFIED_HEADER_CHARS)]);
  return {
    webhook_id: webhookId,
    provider,
    headers: Object.fromEntries(kept),
    // NUL, and a surrogate pair the cut splits, are stored as U+FFFD (src/storage/stored-text.ts).
    head: rawBody.slice(0, UNVERIFIED_HEAD_CHARS),
    size: Buffer.byteLength(rawBody),
    why,
  };
}

export interface DeliveryKeys {
  /** The provider's delivery id at this endpoint: its redelivery. */
  dedup_key: string | null;
  /** The signed body at this endpoint: a replay of it under a new delivery id, or a sender that sends no id. */
  body_key: string | null;
}

/**
 * Hashed, so a key has a fixed size whatever a sender puts in its id (a 4 KB Slack event_id overflowed PostgreSQL's
 * index row). A deliberate replay from the inspector has no keys: it is meant to run again.
 */
export function deliveryKeys(endpoint: string, deliveryId: string | null, rawBody: string, replay: boolean): DeliveryKeys {
  if (replay) return { dedup_key: null, body_key: null };
  return {
    dedup_key: deliveryId ? sha256(`${endpoint}:${deliveryId}`) : null,
    body_key: sha256(`body\n${endpoint}\n${rawBody}`),
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
