import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { getManyValues, isMany, none } from 'stream-chain/defs.js';
import { jsonParser as jsonTokens, type Token } from 'stream-json/core/parser.js';
import Assembler from 'stream-json/assembler.js';
import { splitLines } from './bounded-lines.js';

/**
 * How much of one stdout line the reader holds. A line up to `lineBytes` is parsed whole with JSON.parse (the
 * common case: small stream-json messages, fast). A longer one — a reply of tens of megabytes arrives as one
 * `assistant` line and again as the `result` line — is parsed as a token stream, and every string in it is cut to
 * `stringChars` with a marker, so the service holds about `lineBytes + stringChars` of it however long it is.
 */
export interface StdoutLimits {
  lineBytes: number;
  stringChars: number;
}

export const STDOUT_LIMITS: StdoutLimits = { lineBytes: 4 * 1024 * 1024, stringChars: 4 * 1024 * 1024 };

export interface StdoutHandlers {
  /** One parsed stream-json message. */
  message(value: unknown): void;
  /** A line that is not JSON (cut to 2,000 characters), or a note about one too long and broken to parse. */
  notJson(text: string): void;
}

/** Reads a child's stdout as newline-delimited JSON within `limits`; resolves when the stream ends. */
export function readStdoutMessages(stdout: Readable, on: StdoutHandlers, limits: StdoutLimits = STDOUT_LIMITS): Promise<void> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let long: LongLine | undefined;

  const finishLine = () => {
    if (long) {
      long.finish(on);
      long = undefined;
      return;
    }
    const line = Buffer.concat(pending).toString('utf8');
    pending = [];
    pendingBytes = 0;
    parseShortLine(line, on);
  };

  return splitLines(stdout, {
    part(bytes) {
      if (long) return long.feed(bytes);
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes > limits.lineBytes) {
        long = new LongLine(limits.stringChars);
        for (const piece of pending) long.feed(piece);
        pending = [];
        pendingBytes = 0;
      }
    },
    lineEnd: finishLine,
    // A stream closed without ending (the child was killed mid-line) leaves its half line unread.
    streamEnd(ended) {
      if (ended && (long || pendingBytes)) finishLine();
    },
  });
}

function parseShortLine(raw: string, on: StdoutHandlers): void {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (!line.trim()) return;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    on.notJson(line.slice(0, 2000));
    return;
  }
  on.message(value);
}

/** One over-long line, parsed as it arrives into a value whose strings are cut to `stringChars`. */
class LongLine {
  private readonly decoder = new StringDecoder('utf8');
  private readonly tokens = jsonTokens({ packValues: false, streamValues: true });
  private readonly assembler = new Assembler();
  private bytes = 0;
  private failed = false;
  private text: string[] = [];
  private textChars = 0;
  private dropped = 0;
  private number = '';

  constructor(private readonly stringChars: number) {}

  feed(part: Buffer): void {
    this.bytes += part.length;
    if (!this.failed) this.push(this.decoder.write(part));
  }

  finish(on: StdoutHandlers): void {
    if (!this.failed) this.push(this.decoder.end());
    if (!this.failed) this.push(null);
    const value: unknown = this.assembler.current;
    if (this.failed || !this.assembler.done || value === null || typeof value !== 'object') {
      on.notJson(`(a stdout line of ${this.bytes} bytes that is not valid JSON was dropped)`);
      return;
    }
    on.message(value);
  }

  private push(text: string | null): void {
    if (text === '') return;
    try {
      // The parser function takes text, and `none` (its end marker) when the input is over.
      const out = this.tokens(text === null ? (none as unknown as string) : text);
      if (isMany(out)) for (const token of getManyValues<Token>(out)) this.token(token);
    } catch {
      this.failed = true;
    }
  }

  private token(token: Token): void {
    switch (token.name) {
      case 'startString':
      case 'startKey':
        this.text = [];
        this.textChars = 0;
        this.dropped = 0;
        return;
      case 'stringChunk': {
        const room = this.stringChars - this.textChars;
        if (room > 0) {
          const kept = token.value.length > room ? token.value.slice(0, room) : token.value;
          this.text.push(kept);
          this.textChars += kept.length;
        }
        this.dropped += Math.max(0, token.value.length - Math.max(0, room));
        return;
      }
      case 'endString':
      case 'endKey': {
        const value = this.text.join('') + (this.dropped ? `\n… (${this.dropped} more characters not kept)` : '');
        this.text = [];
        this.assembler.consume(token.name === 'endKey' ? { name: 'keyValue', value } : { name: 'stringValue', value });
        return;
      }
      case 'startNumber':
        this.number = '';
        return;
      case 'numberChunk':
        // No number a message holds needs more digits than this; a longer one is kept as its head.
        if (this.number.length < 64) this.number += token.value.slice(0, 64 - this.number.length);
        return;
      case 'endNumber':
        this.assembler.consume({ name: 'numberValue', value: this.number });
        return;
      default:
        this.assembler.consume(token);
    }
  }
}
