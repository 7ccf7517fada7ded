import { finished, type Readable } from 'node:stream';

const NEWLINE = 0x0a;

export interface LineParts {
  /** A piece of the current line (a line may come in several, never empty). */
  part(bytes: Buffer): void;
  /** The current line ended at a newline. */
  lineEnd(): void;
  /** The stream is over, once: `ended` when it ended ('end'), false when it was closed without ending. */
  streamEnd(ended: boolean): void;
}

/**
 * Splits a stream's bytes at newlines without holding a line: the caller decides what of each line it keeps (the
 * stdout and stderr readers of a Claude Code child both bound what one line may cost). Resolves when the stream is over.
 */
export function splitLines(input: Readable, on: LineParts): Promise<void> {
  input.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (end > start) on.part(chunk.subarray(start, end));
      on.lineEnd();
      start = end + 1;
    }
    if (start < chunk.length) on.part(chunk.subarray(start));
  });
  // `finished` also answers for a stream that is already over: a pipe handed over by the spawn helper reads as soon
  // as it arrives, so a child that wrote nothing may have ended and closed it before anyone listened.
  return new Promise((resolve) => {
    finished(input, { writable: false }, () => {
      on.streamEnd(input.readableEnded);
      resolve();
    });
  });
}

/**
 * Reads a stream as lines, each holding at most its first `maxBytes` (the rest counted, not kept, and noted with a
 * marker): a child writing one endless line to stderr costs the service `maxBytes`, never the whole line. Resolves
 * when the stream ends; a last line without a newline is given too.
 */
export function readBoundedLines(input: Readable, maxBytes: number, onLine: (line: string) => void): Promise<void> {
  let kept: Buffer[] = [];
  let keptBytes = 0;
  let dropped = 0;

  const finish = () => {
    let line = Buffer.concat(kept).toString('utf8');
    if (!dropped && line.endsWith('\r')) line = line.slice(0, -1);
    if (dropped) line += ` … (${dropped} more bytes of this line not kept)`;
    kept = [];
    keptBytes = 0;
    dropped = 0;
    onLine(line);
  };
  return splitLines(input, {
    part(bytes) {
      const room = maxBytes - keptBytes;
      if (bytes.length > room) dropped += bytes.length - Math.max(0, room);
      if (room <= 0) return;
      // A copy: a subarray would keep the whole chunk it came from alive.
      const piece = Buffer.from(bytes.subarray(0, room));
      kept.push(piece);
      keptBytes += piece.length;
    },
    lineEnd: finish,
    streamEnd() {
      if (keptBytes || dropped) finish();
    },
  });
}
