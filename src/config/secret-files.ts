import fs from 'node:fs';

/** Settings that are secrets: their values are redacted wherever the service prints things. */
export const SECRET_KEYS = [
  'API_TOKEN',
  'GITHUB_WEBHOOK_SECRET',
  'GITHUB_TOKEN',
  'GITHUB_APP_PRIVATE_KEY',
  'SLACK_SIGNING_SECRET',
  'SLACK_BOT_TOKEN',
  'JIRA_WEBHOOK_SECRET',
  'JIRA_API_TOKEN',
  'SENTRY_CLIENT_SECRET',
  'SENTRY_AUTH_TOKEN',
  'GITLAB_WEBHOOK_SECRET',
  'GITLAB_TOKEN',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_CODE_OAUTH_TOKEN',
] as const;

/**
 * Every secret setting may come from a file instead (`GITHUB_TOKEN_FILE=/run/secrets/gh`, the Docker/Kubernetes
 * secrets convention), so it need not sit in the service's environment. The file's trailing newline is dropped.
 */
export function readSecretFiles(env: NodeJS.ProcessEnv, problems: string[]): NodeJS.ProcessEnv {
  const resolved = { ...env };
  for (const key of SECRET_KEYS) {
    const fileVar = `${key}_FILE`;
    const file = env[fileVar];
    if (!file) continue;
    if (env[key]) {
      problems.push(`${key} and ${fileVar}: both are set; set only one`);
      continue;
    }
    try {
      resolved[key] = fs.readFileSync(file, 'utf8').replace(/(\r?\n)+$/, '');
    } catch (err) {
      problems.push(`${fileVar}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  return resolved;
}

