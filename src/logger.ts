import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';
import { Redactor } from './security/redactor.js';
import { signatureHeaders } from './webhooks/providers/index.js';

export type { Logger };

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  ...signatureHeaders().map((h) => `req.headers["${h}"]`),
  'req.headers["x-signature-256"]',
  '*.token',
  '*.secret',
  '*.password',
  '*.apiKey',
  '*.api_key',
];

/**
 * Structured logs; secrets are removed by path and, wherever they appear, by value. The value redaction runs on the
 * finished JSON line, so nothing gets around it: an Error's message, stack and cause, class instances, `toJSON`
 * output, printf arguments. Give the service's Redactor so secrets learnt later (webhook secrets, MCP tokens) are
 * redacted too; without one, the secret settings are.
 */
export function createLogger(
  config: Pick<Config, 'LOG_LEVEL' | 'secretValues'>,
  destination?: pino.DestinationStream,
  redactor: Redactor = new Redactor(config.secretValues),
): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      hooks: { streamWrite: (line) => redactor.redact(line) },
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
    destination ?? consoleDestination(),
  );
}

/**
 * Where logs go when no destination is given: readable, coloured lines on a terminal; JSON lines otherwise (for a
 * collector), written asynchronously so a burst of logging never holds a request (pino flushes them on exit).
 */
export function consoleDestination(stdout: NodeJS.WritableStream & { isTTY?: boolean; fd: number } = process.stdout): pino.DestinationStream {
  if (stdout.isTTY) return pretty({ destination: stdout, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  return pino.destination({ dest: stdout.fd, sync: false });
}
