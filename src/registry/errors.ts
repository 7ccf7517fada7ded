import type { z } from 'zod';

/**
 * A refused management call (registry, webhooks through the management tools): the status an API answers with, the
 * field at fault and every problem found. The registry API sends `{error, field, problems}`; the MCP tools return
 * the message as a tool error.
 */
export class ManagementError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'ManagementError';
  }
}

/** Problems are sentences starting with their field (`description: missing…`); the first one names the field. */
export function invalid(what: string, problems: string[]): ManagementError {
  const first = problems[0] ?? '';
  const cut = first.indexOf(': ');
  return new ManagementError(400, `invalid ${what}: ${problems.join('; ')}`, cut > 0 ? first.slice(0, cut) : undefined, problems);
}

export const notFound = (what: string) => new ManagementError(404, `${what} not found`);

/** zod parsing with the registry's error shape. */
export function parseInput<T extends z.ZodTypeAny>(schema: T, data: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(data ?? {});
  if (result.success) return result.data;
  throw invalid(
    what,
    result.error.issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : what}: ${i.message}`),
  );
}
