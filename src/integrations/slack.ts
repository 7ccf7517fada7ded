// Slack Web API calls the agent makes when posting back, plus replies to a slash command's response_url.
//
// WebClient's own retries are turned off (retries: 0, rejectRateLimitedCalls: true) and withRetry does the retrying.
// Left on, WebClient would retry *every* HTTP error, 4xx included, ten times over about 30 minutes by default, and on
// a 429 it sleeps for the full Retry-After with no upper bound while pausing its whole request queue.
import { ErrorCode, LogLevel, WebClient, type ChatStopStreamArguments, type Logger } from '@slack/web-api';
import { responseUrlProblem } from '../webhooks/providers/slack/response-url.js';
import { IntegrationError, networkReason, parseRetryAfter, withRetry, type RetryOptions } from './retry.js';

export interface SlackClientOptions {
  /** Bot token (xoxb-…). */
  token: string;
  /** Web API root; default https://slack.com/api/. */
  apiUrl?: string;
  retry?: RetryOptions;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
  /** WebClient's logger; defaults to one that only prints warnings and errors. WebClient redacts tokens itself. */
  logger?: Logger;
  /**
   * Origins a response_url may have (see webhooks/providers/slack/response-url.ts); others are refused without a request. Unset:
   * any (the client alone cannot know which hosts are Slack's).
   */
  responseUrlOrigins?: readonly string[];
}

/** Block Kit blocks, `(KnownBlock | Block)[]` (the element types live in @slack/types, which we do not depend on). */
export type SlackBlocks = NonNullable<ChatStopStreamArguments['blocks']>;

export interface SlackClient {
  /** Emoji name without colons ("eyes"). A reaction that is already there counts as success. */
  addReaction(p: { channel: string; timestamp: string; name: string }): Promise<void>;
  /** Reply in a thread with `threadTs` = the parent message's ts (for a reply to a reply, its thread_ts). */
  postMessage(p: { channel: string; text: string; threadTs?: string; blocks?: SlackBlocks }): Promise<{ ts: string; channel: string }>;
  updateMessage(p: { channel: string; ts: string; text: string; blocks?: SlackBlocks }): Promise<void>;
  /** POST JSON to a slash command's response_url (usable 5 times within 30 minutes of the command). */
  respond(
    responseUrl: string,
    message: { text: string; response_type?: 'ephemeral' | 'in_channel'; replace_original?: boolean },
  ): Promise<void>;
}

export function createSlackClient(options: SlackClientOptions): SlackClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const web = new WebClient(options.token, {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: timeoutMs,
    ...(options.logger ? { logger: options.logger } : { logLevel: LogLevel.WARN }),
  });

  async function api<T>(method: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(async () => {
      try {
        return await fn();
      } catch (error) {
        throw toIntegrationError(error, method);
      }
    }, options.retry);
  }

  return {
    async addReaction({ channel, timestamp, name }) {
      try {
        await api('reactions.add', () => web.reactions.add({ channel, timestamp, name }));
      } catch (error) {
        if (error instanceof IntegrationError && error.providerMessage === 'already_reacted') return;
        throw error;
      }
    },

    async postMessage({ channel, text, threadTs, blocks }) {
      const result = await api('chat.postMessage', () =>
        web.chat.postMessage({ channel, text, ...(threadTs ? { thread_ts: threadTs } : {}), ...(blocks ? { blocks } : {}) }),
      );
      if (!result.ts || !result.channel) {
        throw new IntegrationError({ provider: 'Slack', operation: 'chat.postMessage', providerMessage: 'response had no ts or channel' });
      }
      return { ts: result.ts, channel: result.channel };
    },

    async updateMessage({ channel, ts, text, blocks }) {
      await api('chat.update', () => web.chat.update({ channel, ts, text, ...(blocks ? { blocks } : {}) }));
    },

    async respond(responseUrl, message) {
      // Identify the hook by path only; the URL itself is a bearer credential for that command.
      const operation = `POST response_url`;
      const refused = options.responseUrlOrigins && responseUrlProblem(responseUrl, options.responseUrlOrigins);
      if (refused) throw new IntegrationError({ provider: 'Slack', operation, providerMessage: `refused: ${refused}` });
      await withRetry(async () => {
        let response: Response;
        try {
          response = await fetch(responseUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json; charset=utf-8' },
            body: JSON.stringify(message),
            redirect: 'error',
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (error) {
          throw new IntegrationError({ provider: 'Slack', operation, network: true, providerMessage: networkReason(error) });
        }
        const text = await response.text().catch(() => '');
        if (!response.ok) {
          throw new IntegrationError({
            provider: 'Slack',
            operation,
            status: response.status,
            providerMessage: text.slice(0, 200) || undefined,
            retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
          });
        }
      }, options.retry);
    },
  };
}

/** WebClient errors → IntegrationError, keeping only what is safe to log. */
function toIntegrationError(error: unknown, method: string): unknown {
  const e = error as {
    code?: string;
    statusCode?: number;
    retryAfter?: number;
    data?: { error?: string };
    original?: unknown;
  };
  const base = { provider: 'Slack', operation: method };
  switch (e?.code) {
    case ErrorCode.PlatformError: // HTTP 200 with ok:false: a real answer, never worth repeating as-is.
      return new IntegrationError({ ...base, providerMessage: e.data?.error ?? 'ok:false' });
    case ErrorCode.RateLimitedError:
      return new IntegrationError({ ...base, status: 429, retryAfterMs: (e.retryAfter ?? 1) * 1000 });
    case ErrorCode.HTTPError:
      return new IntegrationError({ ...base, status: e.statusCode ?? 0 });
    case ErrorCode.RequestError:
      return new IntegrationError({ ...base, network: true, providerMessage: networkReason(e.original ?? error) });
  }
  // A 429 whose Retry-After WebClient could not parse is thrown as a plain Error.
  if (error instanceof Error && error.message.startsWith('Retry header did not contain a valid timeout')) {
    return new IntegrationError({ ...base, status: 429 });
  }
  return error;
}
