// The HTTP API's schemas are the zod contracts in src/contracts: fastify-type-provider-zod validates requests and
// serialises responses with them (but for the large chart answers, written as built: see asBuilt below), and the
// OpenAPI document (src/api/openapi.ts) is generated from the same objects.
import type { FastifyInstance, FastifyRequest, FastifySchema, FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { globalRegistry, type ZodType } from 'zod';

/** A body-less POST is read as `{}`, so "nothing to change" and missing fields are named like any other problem. */
const bodyDefaulting: FastifySchemaCompiler<ZodType> = (route) => {
  const validate = validatorCompiler(route);
  return route.httpPart === 'body' ? (data) => validate(data ?? {}) : validate;
};

/** Makes the zod contracts the app's request validators and response serialisers. */
export function useContracts(app: FastifyInstance): void {
  app.setValidatorCompiler(bodyDefaulting);
  app.setSerializerCompiler(serializerCompiler);
}

/**
 * A route's serializer compiler for answers its service builds as exact contract objects (each object a literal of
 * the contract's type, so TypeScript refuses any other key, written in the contract's key order): the 200 answer is
 * JSON.stringify'd as it is. zod's encode copies and checks every object first, which for a chart of thousands of
 * points cost more than writing them, and a serializer compiled from the schema (fast-json-stringify) writes them at
 * half JSON.stringify's speed. Refusals go through the contracts as on every route. test/analytics-answers.test.ts
 * checks that the bytes are the ones zod writes.
 */
export const asBuilt: FastifySerializerCompiler<unknown> = (route) =>
  route.httpStatus === '200' ? (data: unknown) => JSON.stringify(data) : serializerCompiler(route as Parameters<typeof serializerCompiler>[0]);

/** The app with route schemas typed from their zod contracts. */
export const typed = (app: FastifyInstance) => app.withTypeProvider<ZodTypeProvider>();

/** What a request part is called in messages: the query, the path, or the body's contract title ("chat request"). */
function partName(req: FastifyRequest, context: string | undefined): string {
  if (context === 'querystring') return 'query';
  if (context === 'params') return 'path';
  if (context === 'headers') return 'headers';
  const body = (req.routeOptions.schema as FastifySchema | undefined)?.body as ZodType | undefined;
  const title = body ? globalRegistry.get(body)?.title : undefined;
  return title ?? 'body';
}

/**
 * A request that does not match its contract, as a 400 naming each field at fault:
 * `{error: "invalid chat request: message: must not be empty", details: [...], field: "message"}`.
 */
export function validationFailure(err: unknown, req: FastifyRequest): { error: string; details: string[]; field?: string } | undefined {
  if (!hasZodFastifySchemaValidationErrors(err)) return undefined;
  const where = partName(req, (err as { validationContext?: string }).validationContext);
  const paths = err.validation.map((v) => v.instancePath.slice(1).replaceAll('/', '.'));
  const details = err.validation.map((v, i) => `${paths[i] || where}: ${v.message}`);
  const field = paths.find(Boolean);
  return { error: `invalid ${where}: ${details.join('; ')}`, details, ...(field ? { field } : {}) };
}
