import { promisify } from 'node:util';
import zlib from 'node:zlib';

const brotliCompress = promisify(zlib.brotliCompress);
const brotliDecompress = promisify(zlib.brotliDecompress);

/**
 * Claude Code session transcripts are JSON lines that repeat themselves (request shapes, system prompt snapshots):
 * brotli at its best quality keeps about a fifth of them (82 KB → 18 KB for a one-line chat). Node 20 has no zstd
 * (zlib.zstdCompressSync arrived in 22.15) and brotli is built in, so no native package is needed. Both directions
 * run on libuv's thread pool, never on the event loop.
 */
export function compressTranscript(text: string | Buffer): Promise<Buffer> {
  const input = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return brotliCompress(input, {
    params: {
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: input.length,
    },
  });
}

export async function expandTranscript(compressed: Uint8Array): Promise<string> {
  return (await brotliDecompress(compressed)).toString('utf8');
}
