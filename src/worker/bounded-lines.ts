import type { Readable } from 'node:stream';

const NEWLINE = 0x0a;

/**
 * Reads a stream as lines, each holding at most its first `maxBytes` (the rest counted, not kept, and noted with a
 * marker): a child writing one endless line to stderr costs the service `maxBytes`, never the whole line. Resolves
 * when the stream ends; a last line without a newline is given too.
 */
export function readBoundedLines(input: Readable, maxBytes: number, onLine: (line: string) => void): Promise<void> {
  let kept: Buffer[] = [];
  let keptBytes = 0;
  let dropped = 0;

  const keep = (part: Buffer) => {
    const room = maxBytes - keptBytes;
    if (part.length > room) dropped += part.length - Math.max(0, room);
    if (room <= 0) return;
    // A copy: a subarray would keep the whole chunk it came from alive.
    const piece = Buffer.from(part.subarray(0, room));
    kept.push(piece);
    keptBytes += piece.length;
  };
  const finish = () => {
    let line = Buffer.concat(kept).toString('utf8');
    if (!dropped && line.endsWith('\r')) line = line.slice(0, -1);
    if (dropped) line += ` … (${dropped} more bytes of this line not kept)`;
    kept = [];
    keptBytes = 0;
    dropped = 0;
    onLine(line);
  };

  input.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      keep(chunk.subarray(start, end));
      finish();
      start = end + 1;
    }
    if (start < chunk.length) keep(chunk.subarray(start));
  });
  return new Promise((resolve) => {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (keptBytes || dropped) finish();
      resolve();
    };
    input.once('end', end);
    input.once('close', end);
  });
}
