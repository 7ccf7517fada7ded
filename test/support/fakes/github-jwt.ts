// The GitHub App JWT check of the fake GitHub (test/support/fakes/github.ts).
import { createVerify } from 'node:crypto';

/** Returns why the App JWT is unacceptable, or undefined. Mirrors GitHub's checks loosely. */
export function checkAppJwt(authorization: string | undefined, publicKey: string | undefined): string | undefined {
  const [scheme = '', jwt = ''] = (authorization ?? '').split(/\s+/, 2);
  if (scheme.toLowerCase() !== 'bearer') return 'A JSON web token could not be decoded';
  const [header, payload, signature] = jwt.split('.');
  if (!header || !payload || !signature) return 'A JSON web token could not be decoded';
  let claims: { iss?: unknown; exp?: unknown; iat?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return 'A JSON web token could not be decoded';
  }
  if (claims.iss === undefined) return "'Issuer' claim ('iss') must be an Integer";
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return "'Expiration time' claim ('exp') is in the past";
  if (publicKey) {
    const valid = createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(publicKey, Buffer.from(signature, 'base64url'));
    if (!valid) return 'A JSON web token could not be decoded';
  }
  return undefined;
}
