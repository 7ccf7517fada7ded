import type { Config } from '../../../config.js';
import type { SlackTarget } from './target.js';

/**
 * Where a Slack slash command's or button's `response_url` may point: hooks.slack.com, the configured Slack API
 * (SLACK_API_URL: a test or enterprise gateway) and SLACK_RESPONSE_URL_HOSTS. The URL arrives in the delivery, so
 * without this a signed request could make the service POST replies — help, progress, the run's result — to any
 * host, loopback included. Compared as origins (scheme, host and port); listed hosts are https.
 */
export function slackResponseOrigins(config: Pick<Config, 'SLACK_API_URL' | 'SLACK_RESPONSE_URL_HOSTS'>): string[] {
  const origins = new Set(['https://hooks.slack.com']);
  if (config.SLACK_API_URL) origins.add(new URL(config.SLACK_API_URL).origin);
  for (const host of config.SLACK_RESPONSE_URL_HOSTS) {
    try {
      origins.add(new URL(/^https?:\/\//i.test(host) ? host : `https://${host}`).origin);
    } catch {
      // a malformed entry allows nothing
    }
  }
  return [...origins];
}

/** Why `url` may not be posted to, or undefined when it may. Never repeats the URL: it is a credential for the command. */
export function responseUrlProblem(url: string, origins: readonly string[]): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.username || parsed.password) return 'carries credentials';
  if (!origins.includes(parsed.origin)) {
    return `${parsed.origin} is not a Slack host (allowed: ${origins.join(', ')}; add one with SLACK_RESPONSE_URL_HOSTS)`;
  }
  return undefined;
}

/**
 * The target with a response_url to a host not allowed dropped (replies then go to the channel), and the refusal for
 * the delivery's record; undefined when the target may be used as it is.
 */
export function guardResponseUrl(target: SlackTarget, config: Config): { target: SlackTarget; notes: Record<string, string> } | undefined {
  if (!target.responseUrl) return undefined;
  const problem = responseUrlProblem(target.responseUrl, slackResponseOrigins(config));
  if (!problem) return undefined;
  const { responseUrl: _dropped, ...kept } = target;
  return { target: kept, notes: { response_url: `refused: ${problem}; replies go to the channel instead` } };
}
