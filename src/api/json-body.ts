import type { FastifyInstance } from 'fastify';
import { assertJsonDepth } from '../security/json-depth.js';

/**
 * Fastify's own JSON body parser (with its `__proto__` / `constructor` poisoning checks), after a linear scan that
 * refuses a body nested deeper than MAX_JSON_DEPTH with a 400 — so no handler, schema or serialiser ever walks one.
 */
export function refuseDeepJson(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body.toString();
    try {
      assertJsonDepth(text);
    } catch (err) {
      done(err as Error, undefined);
      return;
    }
    parseJson(req, text, done);
  });
}
