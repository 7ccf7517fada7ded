// The HTTP app's webhook side, assembled in one place: the ingest behind POST /webhooks/… and the webhook API.
// app.ts only calls it. A worker's side (post-back, approval poller) is ./worker-side.ts, so a worker process never
// loads route code.
import type { FastifyInstance } from 'fastify';
import { webhookApiRoutes } from '../api/webhooks.js';
import { followPullRequests } from '../delivery/pull-request-events.js';
import type { Services } from '../services.js';
import { ActionRunner } from './actions.js';
import { WebhookIngest } from './ingest.js';
import { PermissionChecker } from './permissions.js';
import { PermissionWaits } from './permission-wait.js';
import { Responder } from './responder.js';
import { webhookRoutes } from './route.js';
import { BUILTIN_RULE_SETS } from './rules/builtin-commands.js';

/** The HTTP app's webhook side: one ingest (its permission checks, actions and replies) shared by both route sets. */
export function webhookHttp(s: Services) {
  const responder = new Responder(s.clients, s.repos, s.log);
  const permissions = new PermissionChecker(s.config, s.clients);
  const permissionWaits = new PermissionWaits({ config: s.config, repos: s.repos, tasks: s.tasks, permissions, responder, log: s.log });
  const ingest = new WebhookIngest({
    config: s.config,
    repos: s.repos,
    tasks: s.tasks,
    log: s.log,
    permissions,
    permissionWaits,
    responder,
    actions: new ActionRunner({ repos: s.repos, tasks: s.tasks, clients: s.clients, responder, log: s.log, brainWrap: s.config.WEBHOOK_BRAIN_WRAP }),
    builtin: BUILTIN_RULE_SETS,
    followDelivery: followPullRequests(s.repos),
  });
  return {
    responder,
    /** /api/webhooks/…: registered in the API_TOKEN scope. */
    apiRoutes: (api: FastifyInstance) => webhookApiRoutes(api, s, ingest),
    /** POST /webhooks/…: signed deliveries, registered in the webhooks' own scope. */
    deliveryRoutes: (hooks: FastifyInstance) => webhookRoutes(hooks, ingest),
    /** Starts deciding the deliveries that wait for a permission lookup (those a restart left too). */
    start: () => permissionWaits.start(),
    /** Stops those decisions, then resolves once the replies being sent are out (on close). */
    close: async () => {
      await permissionWaits.stop();
      await responder.idle();
    },
  };
}
