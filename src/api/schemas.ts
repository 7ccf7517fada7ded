// The HTTP API's schemas are the zod contracts in src/contracts: fastify-type-provider-zod validates requests and
// serialises responses with them, and the OpenAPI document (src/api/openapi.ts) is generated from the same objects.
import type { FastifyInstance, FastifyRequest, FastifySchema, FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';
import fastJsonStringify, { type Schema } from 'fast-json-stringify';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { globalRegistry, toJSONSchema, type ZodType } from 'zod';

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

type JsonSchema = { [key: string]: unknown };

/**
 * A JSON Schema fast-json-stringify writes without run-time branching: `anyOf [X, null]` (zod's nullable enum)
 * becomes X with `type: [X's type, 'null']`; the `$schema` dialect line is dropped.
 */
function plain(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(plain);
  if (typeof node !== 'object' || node === null) return node;
  const { $schema: _dialect, ...rest } = node as JsonSchema;
  const any = rest.anyOf as JsonSchema[] | undefined;
  const nonNull = any?.filter((s) => s.type !== 'null');
  if (any && nonNull!.length === 1 && any.length === 2 && typeof nonNull![0]!.type === 'string') {
    const { anyOf: _, ...others } = rest;
    return plain({ ...others, ...nonNull![0], type: [nonNull![0]!.type, 'null'] });
  }
  return Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, plain(v)]));
}

/**
 * A response serialiser precompiled (fast-json-stringify) from a zod contract's JSON Schema, for routes whose answer
 * is large: zod's encode copies and checks every object before JSON.stringify, which for a chart of thousands of
 * points cost more than writing it. The JSON is the same (keys in the contract's order, unknown keys left out).
 */
export function precompiledSerializer(schema: ZodType): (data: unknown) => string {
  return fastJsonStringify(plain(toJSONSchema(schema, { io: 'output' })) as Schema);
}

/** A route's serializer compiler: its 200 answer precompiled, refusals through the contracts as on every route. */
export const precompiled: FastifySerializerCompiler<unknown> = (route) =>
  route.httpStatus === '200' ? precompiledSerializer(route.schema as ZodType) : serializerCompiler(route as Parameters<typeof serializerCompiler>[0]);

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
