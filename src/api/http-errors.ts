import type { z } from 'zod';

/** An error whose message is safe and useful to show the client, with the status to send. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Parses client input; a mismatch is a 400 naming each field at fault. */
export function parse<T extends z.ZodTypeAny>(schema: T, data: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(data ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : where}: ${i.message}`);
  throw new HttpError(400, `invalid ${where}: ${problems.join('; ')}`, problems);
}

export const notFound = (what: string) => new HttpError(404, `${what} not found`);
