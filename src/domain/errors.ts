// The one refusal type of the service's own operations (webhook configuration, registry, tasks, queries): what went
// wrong as a code, and a message safe and useful to show whoever asked. The HTTP error handler maps the code to a
// status (src/api/http-errors.ts); the MCP tools return the message as a tool error. Nothing here knows HTTP.
import type { z } from 'zod';

export type DomainErrorCode = 'invalid' | 'not_found' | 'conflict' | 'too_large' | 'unavailable';

export interface DomainErrorInfo {
  /** The request field at fault. */
  field?: string;
  /** Every problem found, each a sentence starting with its field. */
  problems?: string[];
  /** Anything else worth showing (the choices there were…). */
  details?: unknown;
}

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly info: DomainErrorInfo = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Problems are sentences starting with their field (`description: missing…`); the first one names the field. */
export function invalid(what: string, problems: string[], details?: unknown): DomainError {
  const first = problems[0] ?? '';
  const cut = first.indexOf(': ');
  return new DomainError('invalid', `invalid ${what}: ${problems.join('; ')}`, { field: cut > 0 ? first.slice(0, cut) : undefined, problems, details });
}

export const notFound = (what: string) => new DomainError('not_found', `${what} not found`);

export const conflict = (message: string, field?: string) => new DomainError('conflict', message, { field });

/** Parses input from outside; a mismatch is an `invalid` error naming each field at fault. */
export function parseInput<T extends z.ZodTypeAny>(schema: T, data: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(data ?? {});
  if (result.success) return result.data;
  throw invalid(
    what,
    result.error.issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : what}: ${i.message}`),
  );
}
