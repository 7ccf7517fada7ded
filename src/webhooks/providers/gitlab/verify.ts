import { createHash, timingSafeEqual } from 'node:crypto';
import type { Verification } from '../../signatures.js';

/**
 * GitLab signs nothing: a webhook carries its secret token as is in `X-Gitlab-Token`. Both sides are hashed before
 * the constant-time comparison, so neither the token's content nor its length shows in the timing.
 */
export function verifyGitlabToken(secret: string, token: string | undefined): Verification {
  if (!secret) return { ok: false, why: 'the GitLab webhook secret is not configured, so no request can be verified' };
  if (!token) return { ok: false, why: 'missing X-Gitlab-Token header' };
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(secret), digest(token)) ? { ok: true } : { ok: false, why: 'X-Gitlab-Token does not match the configured secret' };
}
