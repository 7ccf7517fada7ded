import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressTranscript, expandTranscript, TRANSCRIPT_QUALITY } from './transcripts.js';

/** JSON lines shaped like a Claude Code session transcript: each turn repeats the request's shape. */
function transcript(turns: number): string {
  return Array.from({ length: turns }, (_, i) =>
    JSON.stringify({
      type: i % 2 ? 'assistant' : 'user',
      uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      sessionId: 'b1946ac9-2d0e-4c7f-9a53-5f1c0e9e2f11',
      cwd: '/data/workspaces/conv_abc',
      message: { role: i % 2 ? 'assistant' : 'user', content: [{ type: 'text', text: `turn ${i}: ${'the same system prompt snapshot '.repeat(20)}` }] },
      timestamp: new Date(1_764_000_000_000 + i * 1000).toISOString(),
    }),
  ).join('\n');
}

describe('session transcripts', () => {
  it('come back as they went in', async () => {
    const text = transcript(50) + '\n… unicode ✓ 日本語';
    expect(await expandTranscript(await compressTranscript(text))).toBe(text);
  });

  it('are kept in at most a fifth of their size, not much more than brotli at its best quality would keep', async () => {
    const text = transcript(400);
    const stored = await compressTranscript(text);
    const best = zlib.brotliCompressSync(Buffer.from(text), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY } });
    expect(stored.length).toBeLessThanOrEqual(text.length / 5);
    expect(stored.length).toBeLessThanOrEqual(best.length * 1.25);
    expect(TRANSCRIPT_QUALITY).toBeLessThan(zlib.constants.BROTLI_MAX_QUALITY); // quality 11 costs 10–20× the time
  });
});
