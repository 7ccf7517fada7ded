import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-hub-signature"]',
  'req.headers["x-slack-signature"]',
  'req.headers["sentry-hook-signature"]',
  'req.headers["x-signature-256"]',
  '*.token',
  '*.secret',
  '*.password',
  '*.apiKey',
  '*.api_key',
];

function scrubString(secrets: string[], text: string): string {
  return secrets.reduce((s, secret) => (s.includes(secret) ? s.split(secret).join('[REDACTED]') : s), text);
}

function scrubber(secrets: string[]) {
  const scrub = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return scrubString(secrets, value);
    if (depth > 4 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
    // Requests, errors and other class instances go to their serializers untouched (their fields are getters).
    if (Object.getPrototypeOf(value) !== Object.prototype) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, depth + 1)]));
  };
  return (obj: Record<string, unknown>) => scrub(obj, 0) as Record<string, unknown>;
}

/** Structured logs; secrets are removed by path and, wherever they appear in a logged string, by value. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'secretValues'>, destination?: pino.DestinationStream): Logger {
  const scrub = scrubber(config.secretValues);
  return pino(
    {
      level: config.LOG_LEVEL,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { log: scrub },
      hooks: {
        logMethod(args, method) {
          const clean = args.map((a) => (typeof a === 'string' ? scrubString(config.secretValues, a) : a)) as typeof args;
          method.apply(this, clean);
        },
      },
      serializers: {
        // WebSocket clients may pass the API token as ?token=; it must not reach the log with the URL.
        req: (req: { method?: string; url?: string; id?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url?.replace(/([?&]token=)[^&]*/g, '$1[REDACTED]'),
        }),
        err: pino.stdSerializers.err,
      },
    },
    destination,
  );
}
