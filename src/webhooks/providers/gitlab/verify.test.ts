import { describe, expect, it } from 'vitest';
import { verifyGitlabToken } from './verify.js';

describe('X-Gitlab-Token', () => {
  it('accepts the configured secret, exactly', () => {
    expect(verifyGitlabToken('s3cret-token', 's3cret-token')).toEqual({ ok: true });
  });

  it('refuses a different token, one that only shares a prefix, a longer one and a case change', () => {
    for (const given of ['wrong', 's3cret', 's3cret-token ', 'S3CRET-TOKEN', 's3cret-token-and-more']) {
      expect(verifyGitlabToken('s3cret-token', given)).toEqual({ ok: false, why: 'X-Gitlab-Token does not match the configured secret' });
    }
  });

  it('says what is missing: the header, or the secret (fail closed)', () => {
    expect(verifyGitlabToken('s3cret-token', undefined)).toEqual({ ok: false, why: 'missing X-Gitlab-Token header' });
    expect(verifyGitlabToken('s3cret-token', '')).toEqual({ ok: false, why: 'missing X-Gitlab-Token header' });
    expect(verifyGitlabToken('', '')).toMatchObject({ ok: false, why: expect.stringContaining('not configured') });
    expect(verifyGitlabToken('', 'anything')).toMatchObject({ ok: false });
  });
});
