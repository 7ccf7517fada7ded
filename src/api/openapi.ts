import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** The paths the document describes: the JSON API and the health check (not the dashboard, sockets or webhooks). */
const DOCUMENTED = /^\/(api\/|health$)/;

/**
 * Collects every route's zod contracts into an OpenAPI 3.1 document. Registered before the routes, whose schemas it
 * reads as they are added.
 */
export async function openApiDocument(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Claude Code Agent',
        version: '1',
        description:
          'Turns events and dashboard chat into Claude Code runs. With API_TOKEN set, every /api route needs `Authorization: Bearer <API_TOKEN>`. Live events: WebSocket /ws/{session_id}. Webhooks: POST /webhooks/{provider}[/{webhook_id}], signed by the provider.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API_TOKEN' } } },
      security: [{ bearer: [] }],
    },
    transform: (doc) => (DOCUMENTED.test(doc.url) ? jsonSchemaTransform(doc) : { schema: { ...doc.schema, hide: true }, url: doc.url }),
  });
}

/**
 * GET /openapi.json and the browsable docs at /docs (Swagger UI, served from the npm package: no CDN). Both are
 * public, like the dashboard's own files: they describe the API and carry no data; every route they list still asks
 * for the token.
 */
export async function apiDocsRoutes(scope: FastifyInstance): Promise<void> {
  scope.get('/openapi.json', { schema: { hide: true } }, async () => scope.swagger());
  // @fastify/swagger-ui redirects /docs/static/index.html to /docs/ by rewriting the URL's end, so with a query string
  // it redirects to itself, forever (found by test/hostile-fuzz.test.ts).
  scope.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/docs/static/index.html?')) return reply.redirect('/docs/');
  });
  await scope.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
}
