import { z } from 'zod';

/**
 * What every refusal looks like: `error` says what is wrong in a sentence; `details` (or, from the registry,
 * `problems`) lists each problem, `field` names the request field at fault. A 500 carries only `request_id`.
 */
export const ErrorResponse = z.looseObject({
  error: z.string(),
  details: z.unknown().optional(),
  field: z.string().optional(),
  problems: z.array(z.string()).optional(),
  request_id: z.string().optional(),
});
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/** The refusals any route may answer with, to spread into a route's `response`. */
export const ERRORS = { '4xx': ErrorResponse, '5xx': ErrorResponse } as const;

/** A 204: no body. */
export const NoContent = z.undefined().describe('no content');

/** An ISO 8601 date-time as the API writes it. */
export const Timestamp = z.string();

export const IdParams = z.object({ id: z.string() });
export const NameParams = z.object({ name: z.string() });

/** A query-string list: `a,b` or repeated keys; empty items are dropped. */
export const csv = <T extends z.ZodType>(item: T, min = 0) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').filter(Boolean) : v), z.array(item).min(min));
