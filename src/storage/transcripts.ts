import { promisify } from 'node:util';
import zlib from 'node:zlib';

const brotliCompress = promisify(zlib.brotliCompress);
const brotliDecompress = promisify(zlib.brotliDecompress);

/**
 * Claude Code session transcripts (their skeletons and shared parts, repositories/transcript-parts.ts) are JSON that
 * repeats itself. Node 20 has no zstd (zlib.zstdCompressSync arrived in 22.15) and brotli is built in, so no native
 * package is needed. Both directions run on libuv's thread pool, never on the event loop. A run's transcript is
 * compressed between its result and its `task.completed`, so the quality is the fast end of brotli's dense range:
 * quality 11 (the maximum) keeps 3–12 % less at 10–20× the time (BENCHMARKS.md, per-task overhead).
 */
export const TRANSCRIPT_QUALITY = 7;

export function compressTranscript(text: string | Buffer): Promise<Buffer> {
  const input = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return brotliCompress(input, {
    params: {
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      [zlib.constants.BROTLI_PARAM_QUALITY]: TRANSCRIPT_QUALITY,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: input.length,
    },
  });
}

export async function expandTranscript(compressed: Uint8Array): Promise<string> {
  return (await brotliDecompress(compressed)).toString('utf8');
}
