// The HTTP face of DomainError: each code's status and the body a refusal is sent with. Used by the one error
// handler (app.ts); routes throw DomainError and never answer an error themselves.
import type { FastifyReply } from 'fastify';
import { DomainError, type DomainErrorCode } from '../domain/errors.js';

export { conflict, DomainError, invalid, notFound, parseInput as parse } from '../domain/errors.js';

const STATUS: Record<DomainErrorCode, number> = { invalid: 400, not_found: 404, conflict: 409, too_large: 413, unavailable: 503 };

export const statusOf = (err: DomainError) => STATUS[err.code];

/** `{error, field?, problems?, details?}`: details are the problems unless the error names others. */
export function errorBody(err: DomainError) {
  const { field, problems, details } = err.info;
  return {
    error: err.message,
    ...(field ? { field } : {}),
    ...(problems?.length ? { problems } : {}),
    ...((details ?? problems) !== undefined ? { details: details ?? problems } : {}),
  };
}

/** Answers a DomainError; anything else is left to the caller. */
export function sendDomainError(err: unknown, reply: FastifyReply): FastifyReply | undefined {
  return err instanceof DomainError ? reply.code(statusOf(err)).send(errorBody(err)) : undefined;
}
