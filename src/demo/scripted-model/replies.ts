import type { Reply } from './types.js';

// Building blocks of replies, shared by the scripts.

export function errorTypeFor(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function num(s: string | undefined, dflt: number): number {
  const n = Number(s);
  return s !== undefined && Number.isFinite(n) ? n : dflt;
}

export function text(t: string): Reply {
  return { blocks: [{ type: 'text', text: t }], stopReason: 'end_turn' };
}

export function bash(command: string, description: string): Reply {
  return { blocks: [{ type: 'tool_use', name: 'Bash', input: { command, description } }], stopReason: 'tool_use' };
}

export function longText(kb: number): string {
  const target = Math.max(1, Math.round(kb * 1024));
  const lines: string[] = [];
  let len = 0;
  for (let i = 1; len < target; i++) {
    const line = `Line ${String(i).padStart(5, '0')}: the scripted model is writing a long reply.\n`;
    lines.push(line);
    len += line.length;
  }
  return lines.join('').slice(0, target);
}
