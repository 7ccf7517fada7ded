import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { eventually } from '../test/support/eventually.js';
import { loadConfig } from './config.js';
import { consoleDestination, createLogger } from './logger.js';

const GITHUB_TOKEN = 'ghp_logger_test_token_123456';
const SLACK_BOT_TOKEN = 'xoxb-logger-test-token-654321';

function capture() {
  const lines: string[] = [];
  const config = loadConfig({ GITHUB_TOKEN, SLACK_BOT_TOKEN, LOG_LEVEL: 'debug' });
  const log = createLogger(config, { write: (line: string) => void lines.push(line) });
  return { log, text: () => lines.join('\n') };
}

describe('logger redaction', () => {
  it("redacts a secret in an Error's message, stack and cause", () => {
    const { log, text } = capture();
    const cause = new Error(`upstream answered for ${SLACK_BOT_TOKEN}`);
    const err = new Error(`request with token ${GITHUB_TOKEN} failed`, { cause });
    log.error({ err }, 'call failed');
    log.error(err);
    log.warn({ err: new TypeError(`bad ${GITHUB_TOKEN}`) }, 'typed');
    const out = text();
    expect(out).toContain('[redacted]');
    expect(out).toContain('request with token');
    expect(out).toContain('upstream answered for'); // the cause is logged, redacted
    expect(out).not.toContain(GITHUB_TOKEN);
    expect(out).not.toContain(SLACK_BOT_TOKEN);
  });

  it('redacts secrets in class instances, nested objects, arrays and the message', () => {
    const { log, text } = capture();
    class Call {
      readonly url = new URL(`https://api.example.com/x?token=${GITHUB_TOKEN}`);
      constructor(readonly headers: Record<string, string>) {}
    }
    const deep = { a: { b: { c: { d: { e: { f: [`x ${SLACK_BOT_TOKEN}`] } } } } } };
    log.info({ call: new Call({ authorization: `Bearer ${SLACK_BOT_TOKEN}` }), deep, list: [GITHUB_TOKEN] }, `message ${GITHUB_TOKEN}`);
    log.info(`printf style %s and %o`, GITHUB_TOKEN, { token: SLACK_BOT_TOKEN });
    const out = text();
    expect(out).not.toContain(GITHUB_TOKEN);
    expect(out).not.toContain(SLACK_BOT_TOKEN);
    expect(out).toContain('printf style [redacted]');
  });

  it('redacts a multi-line secret (a PEM key) whole and line by line', () => {
    const lines: string[] = [];
    const body = ['MIIEowIBAAKCAQEAx4vL0gq0W3aP1s1K6rQ9pJ8hT3u', 'b2XvY7c8d9e0f1g2h3i4j5k6l7m8n9o0p1q2r3s4t5u'];
    const pem = ['-----BEGIN RSA PRIVATE KEY-----', ...body, '-----END RSA PRIVATE KEY-----'].join('\n');
    const config = loadConfig({ GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY: pem, LOG_LEVEL: 'info' });
    const log = createLogger(config, { write: (line: string) => void lines.push(line) });
    log.info({ key: pem }, 'whole');
    log.info(`one line: ${body[1]}`);
    const out = lines.join('\n');
    for (const line of body) expect(out).not.toContain(line);
  });
});

describe('console output', () => {
  const config = loadConfig({ GITHUB_TOKEN, LOG_LEVEL: 'info' });

  it('is readable text on a terminal, with secrets still redacted', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const log = createLogger(config, consoleDestination(Object.assign(out, { isTTY: true, fd: -1 })));
    log.info({ task_id: 't1' }, `started with ${GITHUB_TOKEN}`);
    await eventually(() => text.includes('started with'), 'the pretty line');
    expect(text).not.toMatch(/^\{/); // not a JSON line
    expect(text).toContain('INFO');
    expect(text).toContain('task_id');
    expect(text).not.toContain(GITHUB_TOKEN);
  });

  it('is JSON lines when stdout is not a terminal', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cca-log-')), 'out.log');
    const fd = fs.openSync(file, 'w');
    const log = createLogger(config, consoleDestination(Object.assign(new PassThrough(), { isTTY: false, fd })));
    log.info({ task_id: 't2' }, 'as json');
    log.flush();
    await eventually(() => fs.readFileSync(file, 'utf8').includes('as json'), 'the JSON line');
    expect(JSON.parse(fs.readFileSync(file, 'utf8').trim())).toMatchObject({ level: 30, msg: 'as json', task_id: 't2' });
  });
});
