import type { Socket } from 'node:net';
import * as ws from 'ws';
import type { WebSocket } from 'ws';

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}

/** ws's own frame builder: exported by its ES module as `Sender`, not declared by @types/ws. */
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };

/** A final, unmasked, uncompressed text frame: what a server sends when no extension was negotiated. */
const TEXT: FrameOptions = { fin: true, opcode: 0x1, mask: false, readOnly: true, rsv1: false };

/** Messages framed once, back to back in one buffer, so the same bytes can be written to every client. */
export interface FramedBatch {
  /** Every message's frame, in order. */
  all: Buffer;
  /** Each message's frame alone (views into `all`). */
  frames: Buffer[];
  /** Each message's payload alone (views into `all`), for a socket that cannot take pre-built frames. */
  payloads: Buffer[];
}

/** Frames each payload as a text message, all in one buffer (one copy of each payload, however many clients). */
export function frameTexts(payloads: readonly Buffer[]): FramedBatch {
  const parts = payloads.map((payload) => Sender.frame(payload, TEXT));
  const all = Buffer.concat(parts.flat());
  const frames: Buffer[] = [];
  const views: Buffer[] = [];
  let at = 0;
  for (const [header, payload] of parts) {
    const size = header!.length + (payload?.length ?? 0);
    frames.push(all.subarray(at, at + size));
    views.push(all.subarray(at + header!.length, at + size));
    at += size;
  }
  return { all, frames, payloads: views };
}

/**
 * The TCP socket under a server-side WebSocket when pre-built frames may be written to it: nothing negotiated that
 * changes the bytes of a frame (permessage-deflate), so ws's own sender never holds a frame back in a queue of its
 * own, and what is written here stays in order with what it sends (hello, subscribed, pong). Bytes written to it
 * count in `bufferedAmount`, which reads the socket's write queue.
 */
export function frameSocket(socket: WebSocket): Socket | undefined {
  if (socket.extensions !== '') return undefined;
  return (socket as unknown as { _socket?: Socket })._socket;
}
