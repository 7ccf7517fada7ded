import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { frameTexts } from './ws-frames.js';

/** ws's own frame parser as a client runs it (exported as `Receiver`, not declared by @types/ws). */
const { Receiver } = ws as unknown as {
  Receiver: new (options: { isServer: boolean }) => NodeJS.WritableStream & {
    on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
    on(event: 'error', listener: (err: Error) => void): void;
  };
};

/** Feeds bytes to a client-side receiver in pieces of `step` bytes; returns the messages it parsed, or its error. */
async function parse(bytes: Buffer, step: number): Promise<Array<{ text: string; isBinary: boolean }>> {
  const receiver = new Receiver({ isServer: false });
  const messages: Array<{ text: string; isBinary: boolean }> = [];
  let error: Error | undefined;
  receiver.on('message', (data, isBinary) => messages.push({ text: data.toString('utf8'), isBinary }));
  receiver.on('error', (err) => (error = err));
  for (let at = 0; at < bytes.length; at += step) receiver.write(bytes.subarray(at, at + step));
  await new Promise((r) => setImmediate(r));
  if (error) throw error;
  return messages;
}

describe('frameTexts', () => {
  // Lengths either side of the 7-bit, 16-bit and 64-bit length forms of a frame header.
  const texts = ['', 'a', 'x'.repeat(125), 'y'.repeat(126), 'é'.repeat(40_000), 'z'.repeat(65_535), 'w'.repeat(65_536), '{"type":"task.output"}'];
  const batch = frameTexts(texts.map((t) => Buffer.from(t)));

  it('a client parses the batch back into the same text messages, in order, however the bytes are split', async () => {
    for (const step of [batch.all.length, 1_000, 7]) {
      expect(await parse(batch.all, step)).toEqual(texts.map((text) => ({ text, isBinary: false })));
    }
  });

  it('each frame and each payload alone is a view into the one buffer, and a frame alone parses to its message', async () => {
    expect(batch.frames.reduce((n, f) => n + f.length, 0)).toBe(batch.all.length);
    for (const [i, frame] of batch.frames.entries()) {
      expect(frame.buffer).toBe(batch.all.buffer);
      expect(batch.payloads[i]!.toString('utf8')).toBe(texts[i]);
      expect(await parse(frame, 3)).toEqual([{ text: texts[i], isBinary: false }]);
    }
  });

  it('a chosen subset of frames, joined, is a valid stream of just those messages', async () => {
    const picked = [1, 3, 7];
    expect(await parse(Buffer.concat(picked.map((i) => batch.frames[i]!)), 5)).toEqual(picked.map((i) => ({ text: texts[i], isBinary: false })));
  });
});
