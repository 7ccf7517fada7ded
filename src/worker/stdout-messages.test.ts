import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readStdoutMessages, type StdoutLimits } from './stdout-messages.js';

async function read(chunks: (string | Buffer)[], limits?: StdoutLimits) {
  const stream = new PassThrough();
  const messages: unknown[] = [];
  const notJson: string[] = [];
  const done = readStdoutMessages(stream, { message: (m) => messages.push(m), notJson: (t) => notJson.push(t) }, limits);
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await done;
  return { messages, notJson };
}

describe('reading the child stdout as stream-json messages', () => {
  it('parses lines split anywhere, CRLF endings and a last line without a newline; reports lines that are not JSON', async () => {
    const euro = Buffer.from('{"text":"5 €"}\n', 'utf8');
    const { messages, notJson } = await read([
      '{"type":"a"}\r\n{"ty',
      'pe":"b"}\n\nnot json here\n',
      euro.subarray(0, 12), // the € split between chunks
      euro.subarray(12),
      '{"type":"last"}',
    ]);
    expect(messages).toEqual([{ type: 'a' }, { type: 'b' }, { text: '5 €' }, { type: 'last' }]);
    expect(notJson).toEqual(['not json here']);
  });

  it('a line longer than the limit is parsed as it streams: its long strings are cut with a marker, the rest kept', async () => {
    const limits = { lineBytes: 1024, stringChars: 100 };
    const reply = 'x'.repeat(50_000);
    const line = JSON.stringify({
      type: 'result',
      result: reply,
      total_cost_usd: 0.0123,
      session_id: 'abc',
      usage: { output_tokens: 12_345 },
      flags: [true, false, null],
      nested: { [`k${'y'.repeat(300)}`]: 'short' },
    });
    // Fed in small pieces, as a pipe delivers it, then a normal line after it.
    const pieces = line.match(/[\s\S]{1,4096}/g)!;
    const { messages, notJson } = await read([...pieces, '\n{"type":"after"}\n'], limits);
    expect(notJson).toEqual([]);
    const [result, after] = messages as [Record<string, unknown>, unknown];
    expect(after).toEqual({ type: 'after' });
    expect(result).toMatchObject({ type: 'result', total_cost_usd: 0.0123, session_id: 'abc', usage: { output_tokens: 12_345 }, flags: [true, false, null] });
    expect(result.result).toBe(`${'x'.repeat(100)}\n… (49900 more characters not kept)`);
    expect(Object.keys(result.nested as object)[0]).toMatch(/^ky+\n… \(201 more characters not kept\)$/);
  });

  it('an over-long line that is not JSON is dropped with a note, and reading goes on', async () => {
    const { messages, notJson } = await read([`{"type":"x","text":"${'a'.repeat(5000)}`, ' broken\n{"type":"ok"}\n'], { lineBytes: 1024, stringChars: 100 });
    expect(messages).toEqual([{ type: 'ok' }]);
    expect(notJson).toEqual(['(a stdout line of 5027 bytes that is not valid JSON was dropped)']);
  });

  it('a 50 MB reply line is read into a message with the reply cut to the default limit', async () => {
    const reply = 'r'.repeat(50 * 1024 * 1024);
    const line = `{"type":"assistant","message":{"content":[{"type":"text","text":"${reply}"}]}}\n`;
    const buffer = Buffer.from(line);
    const pieces: Buffer[] = [];
    for (let at = 0; at < buffer.length; at += 65_536) pieces.push(buffer.subarray(at, at + 65_536));
    const { messages } = await read(pieces);
    const text = (messages[0] as { message: { content: { text: string }[] } }).message.content[0]!.text;
    expect(text.startsWith('r'.repeat(4 * 1024 * 1024))).toBe(true);
    expect(text.endsWith(`… (${50 * 1024 * 1024 - 4 * 1024 * 1024} more characters not kept)`)).toBe(true);
  });
});
