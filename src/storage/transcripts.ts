import { promisify } from 'node:util';
import zlib from 'node:zlib';

const brotliCompress = promisify(zlib.brotliCompress);
const brotliDecompress = promisify(zlib.brotliDecompress);

/**
 * Claude Code session transcripts are JSON lines that repeat themselves (request shapes, system prompt snapshots):
 * brotli keeps about an eighth of them. Node 20 has no zstd (zlib.zstdCompressSync arrived in 22.15) and brotli is
 * built in, so no native package is needed. Both directions run on libuv's thread pool, never on the event loop.
 * The transcript is compressed between a run's result and its `task.completed`, so the quality is the fast end of
 * brotli's dense range: at TRANSCRIPT_QUALITY 7 a one-line chat's 268 KB transcript keeps 35 KB; quality 11 (the
 * maximum) keeps 31 KB but takes 10–20× the time (BENCHMARKS.md, per-task overhead).
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
