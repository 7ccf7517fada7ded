import type { Config } from '../config.js';

// What a Claude Code child may inherit from the service's environment: enough to run tools (PATH, HOME, locale,
// proxies and CA bundles) and nothing else. Provider tokens, webhook secrets, DATABASE_URL and REDIS_URL never reach it.
const INHERITED = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'TERM',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'IS_SANDBOX',
  // Claude Code's own switches (provider selection, traffic, timeouts) carry no service secrets.
  'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC',
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_USE_VERTEX',
  'CLAUDE_CODE_MAX_RETRIES',
  'API_TIMEOUT_MS',
  'DISABLE_TELEMETRY',
  'DISABLE_ERROR_REPORTING',
];

/** Where the run keeps its Claude state; a sandboxed run also gets a HOME and TMPDIR of its own. */
export interface ChildPaths {
  configDir: string;
  home?: string;
  tmpDir?: string;
}

export function childEnv(config: Config, paths: ChildPaths, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED) {
    const value = base[key];
    if (value !== undefined) env[key] = value;
  }
  const anthropic = {
    ANTHROPIC_API_KEY: config.ANTHROPIC_API_KEY,
    ANTHROPIC_AUTH_TOKEN: config.ANTHROPIC_AUTH_TOKEN,
    CLAUDE_CODE_OAUTH_TOKEN: config.CLAUDE_CODE_OAUTH_TOKEN,
    ANTHROPIC_BASE_URL: config.ANTHROPIC_BASE_URL,
  };
  for (const [key, value] of Object.entries(anthropic)) if (value) env[key] = value;
  env.CLAUDE_CONFIG_DIR = paths.configDir;
  if (paths.home) env.HOME = paths.home;
  if (paths.tmpDir) env.TMPDIR = paths.tmpDir;
  // A server must not update its own CLI behind the operator's back, nor phone home from every child; an operator
  // who wants Claude Code's telemetry sets CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=0.
  env.DISABLE_AUTOUPDATER = '1';
  env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC ??= '1';
  return env;
}
