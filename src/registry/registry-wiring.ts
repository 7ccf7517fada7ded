import type { Config } from '../config.js';
import type { EventBus } from '../live/event-bus.js';
import type { Logger } from '../logger.js';
import { GrantMemory } from '../management/grant-memory.js';
import type { Redactor } from '../security/redactor.js';
import type { Repositories } from '../storage/repositories/index.js';
import { ClaudeTasksSync } from '../tasks/claude-tasks-sync.js';
import { publicBaseOf, WebhookConfigService } from '../webhooks/config-service.js';
import { RegistryMaterialiser } from './materialise.js';
import { RegistryService } from './registry-service.js';
import { RegistryRunHooks } from './run-hooks.js';
import { seedRegistry } from './seed.js';

export interface Registry {
  service: RegistryService;
  materialiser: RegistryMaterialiser;
  /** Worker side: materialise before a run, management tools for dashboard runs, skill usage after it. */
  hooks: RegistryRunHooks;
  /** The management tools' grants this process made or checked lately (the hooks grant, the /mcp endpoint checks). */
  grants: GrantMemory;
  /** Base of the endpoint URLs shown to users. */
  publicBase: () => string;
  close(): Promise<void>;
}

/** Seeds the shipped defaults into the database and builds the registry's parts (every role calls this). */
export async function createRegistry(deps: {
  config: Config;
  repos: Repositories;
  bus: EventBus;
  log: Logger;
  redactor: Redactor;
  /** Where Claude Code children reach this service, asked at each run (src/services.ts decides). */
  internalUrl: () => string | undefined;
}): Promise<Registry> {
  const { config, repos, bus, log, redactor, internalUrl } = deps;
  const seeded = await seedRegistry(repos.registry, config.agentSource, log);
  if (Object.values(seeded).some((names) => names.length)) log.info({ ...seeded, source: config.agentSource }, 'registry seeded from the shipped defaults');

  const publicBase = publicBaseOf(config);
  const materialiser = new RegistryMaterialiser(config.agentHome, repos.registry, log);
  const grants = new GrantMemory();
  const hooks = new RegistryRunHooks({ config, repos, materialiser, internalUrl, log, redactor, grants });
  let tasksSync: ClaudeTasksSync | undefined;
  if (config.CLAUDE_TASKS_SYNC) {
    tasksSync = new ClaudeTasksSync(config.claudeTasksDir, log, redactor);
    tasksSync.start(bus);
  }
  return {
    service: new RegistryService({ repos, webhooks: new WebhookConfigService({ repos, config, publicBase }) }),
    materialiser,
    hooks,
    grants,
    publicBase,
    close: async () => tasksSync?.stop(),
  };
}
