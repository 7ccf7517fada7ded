/** Opaque keyset cursors: base64url of the sort key of the last row a page returned. */
export function encodeCursor(parts: [number, string]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export class BadCursorError extends Error {
  constructor() {
    super('cursor is not one this API returned');
    this.name = 'BadCursorError';
  }
}

export function decodeCursor(cursor: string): [number, string] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parts) && parts.length === 2 && typeof parts[0] === 'number' && typeof parts[1] === 'string') {
      return [parts[0], parts[1]];
    }
  } catch {
    // fall through
  }
  throw new BadCursorError();
}
