import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { isLoopbackHost } from './config/fields.js';
import { providerSettings } from './config/provider-settings.js';
import { readSecretFiles, SECRET_KEYS } from './config/secret-files.js';
import { serviceSettings } from './config/service-settings.js';
import { projectRoot } from './paths.js';

export { isLoopbackHost };

const ConfigSchema = z.object({ ...serviceSettings, ...providerSettings });

export type RawConfig = z.infer<typeof ConfigSchema>;

export interface Config extends RawConfig {
  dataDir: string;
  workspacesDir: string;
  /** The registry as this worker materialised it (DATA_DIR/agent-home): what every run's workspace links to. */
  agentHome: string;
  /** The shipped defaults the registry is seeded from (AGENT_HOME, else the repository's agent-home/). */
  agentSource: string;
  claudeTasksDir: string;
  /** Settings that are secrets: their values are redacted wherever the service prints things. */
  secretValues: string[];
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once. A wrong value throws a ConfigError naming each variable at fault. */
export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env): Config {
  const fileProblems: string[] = [];
  const env = readSecretFiles(rawEnv, fileProblems);
  if (fileProblems.length) throw new ConfigError(fileProblems);
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const raw = parsed.data;
  const problems: string[] = [];
  if (raw.GITHUB_APP_ID && !raw.GITHUB_APP_PRIVATE_KEY) problems.push('GITHUB_APP_PRIVATE_KEY: required when GITHUB_APP_ID is set');
  if (raw.JIRA_BASE_URL && !(raw.JIRA_EMAIL && raw.JIRA_API_TOKEN)) {
    problems.push('JIRA_EMAIL / JIRA_API_TOKEN: required when JIRA_BASE_URL is set');
  }
  if (!isLoopbackHost(raw.HOST) && !raw.API_TOKEN && !raw.ALLOW_UNAUTHENTICATED) {
    problems.push(
      `HOST: ${raw.HOST} is not a loopback address and API_TOKEN is not set, so anyone who can reach the port could run ` +
        'commands through the agent; set API_TOKEN (or, on a network you trust completely, ALLOW_UNAUTHENTICATED=true)',
    );
  }
  if (problems.length) throw new ConfigError(problems);

  const dataDir = path.resolve(raw.DATA_DIR);
  return {
    ...raw,
    dataDir,
    workspacesDir: path.join(dataDir, 'workspaces'),
    agentHome: path.join(dataDir, 'agent-home'),
    agentSource: path.resolve(raw.AGENT_HOME ?? path.join(projectRoot, 'agent-home')),
    claudeTasksDir: path.resolve(raw.CLAUDE_TASKS_DIR ?? path.join(process.env.HOME ?? os.homedir(), '.claude', 'tasks')),
    secretValues: SECRET_KEYS.map((k) => raw[k]).filter((v): v is string => typeof v === 'string' && v.length >= 4),
  };
}
