import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_SECRET_LENGTH, REDACTED, Redactor } from './redactor.js';

describe('Redactor', () => {
  it('replaces every occurrence of every value, by source', () => {
    const r = new Redactor(['ghp_config_token_1']);
    r.set('webhooks', ['hook-secret-aaaa', 'hook-secret-bbbb']);
    r.add('mcp:task_1', 'mcp-token-cccccccc');
    expect(r.redact('a ghp_config_token_1 b hook-secret-aaaa hook-secret-bbbb mcp-token-cccccccc ghp_config_token_1')).toBe(
      `a ${REDACTED} b ${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED}`,
    );
    r.delete('mcp:task_1');
    r.set('webhooks', ['hook-secret-bbbb']); // a rotated or deleted webhook's secret is gone from its source
    expect(r.redact('hook-secret-aaaa hook-secret-bbbb mcp-token-cccccccc')).toBe(`hook-secret-aaaa ${REDACTED} mcp-token-cccccccc`);
    expect(r.size).toBe(2);
  });

  it(`leaves values shorter than ${MIN_SECRET_LENGTH} characters alone, so a weak setting does not mangle text`, () => {
    const r = new Redactor(['test', 'admin12', 'x'.repeat(MIN_SECRET_LENGTH)]);
    expect(r.redact('a test by admin12 of xxxxxxxx')).toBe(`a test by admin12 of ${REDACTED}`);
  });

  it('replaces a secret that contains another one whole', () => {
    const r = new Redactor(['token-1234', 'prefix-token-1234-suffix']);
    expect(r.redact('[prefix-token-1234-suffix] [token-1234]')).toBe(`[${REDACTED}] [${REDACTED}]`);
  });

  it('treats values as text, never as patterns', () => {
    const r = new Redactor(['a.b*c+d?(e)[f]{g}|h^$\\']);
    expect(r.redact('x a.b*c+d?(e)[f]{g}|h^$\\ y aXbbbcd')).toBe(`x ${REDACTED} y aXbbbcd`);
  });

  it('finds a multi-line secret whole, JSON-escaped, and each of its lines alone', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----';
    const r = new Redactor([pem]);
    expect(r.redact(`key: ${pem}`)).toBe(`key: ${REDACTED}`);
    expect(r.redact(JSON.stringify({ key: pem }))).toBe(`{"key":"${REDACTED}"}`);
    expect(r.redact('head -2: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC')).toBe(`head -2: ${REDACTED}`);
    expect(r.redact('-----BEGIN PRIVATE KEY-----')).toBe('-----BEGIN PRIVATE KEY-----');
  });

  it('redacts every string of a JSON value, keeping unchanged parts (and unchanged values) as they were', () => {
    const r = new Redactor(['sekrit-value-42']);
    const clean = { kind: 'tool_use', input: { command: 'ls', n: 3 } };
    expect(r.redactDeep(clean)).toBe(clean);
    const item = { kind: 'tool_use', input: { command: 'echo sekrit-value-42', args: ['x', 'sekrit-value-42'], n: 1, ok: true, none: null } };
    expect(r.redactDeep(item)).toEqual({ kind: 'tool_use', input: { command: `echo ${REDACTED}`, args: ['x', REDACTED], n: 1, ok: true, none: null } });
    expect(item.input.command).toBe('echo sekrit-value-42'); // the original is not changed
  });

  it('handles nesting deeper than it walks without overflowing the stack', () => {
    const r = new Redactor(['sekrit-value-42']);
    let deep: unknown = { leaf: 'sekrit-value-42' };
    for (let i = 0; i < 5_000; i++) deep = { d: deep };
    expect(JSON.stringify(r.redactDeep(deep))).not.toContain('sekrit-value-42');
  });

  it('says how much of a streamed text could be the start of a secret', () => {
    const r = new Redactor(['ghp_abcdefgh1234']);
    expect(r.pendingTail('the token is ghp_abc')).toBe('ghp_abc'.length);
    expect(r.pendingTail('the token is g')).toBe(1);
    expect(r.pendingTail('nothing here')).toBe(0);
    expect(r.pendingTail('')).toBe(0);
    expect(new Redactor().pendingTail('ghp_abc')).toBe(0);
  });

  it('no secret survives redaction, wherever it sits in random text (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: MIN_SECRET_LENGTH, maxLength: 40 }), { minLength: 1, maxLength: 5 }), fc.array(fc.string()), (secrets, filler) => {
        // Secrets are compared with the markers blanked out: a secret made of "[redacted]" text is not a leak.
        fc.pre(secrets.every((s) => !s.includes('\u0000')));
        const r = new Redactor(secrets);
        const text = filler.map((f, i) => `${f}${secrets[i % secrets.length]}`).join('') + secrets.join('');
        const out = r.redact(text);
        for (const s of secrets) expect(out.replaceAll(REDACTED, '\u0000')).not.toContain(s);
      }),
    );
  });
});
