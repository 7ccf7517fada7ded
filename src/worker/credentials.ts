import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { operatorClaudeDir } from './claude-state.js';

/** Where a run's Anthropic credential comes from, in the order Claude Code prefers them. */
export type CredentialSource = 'ANTHROPIC_API_KEY' | 'ANTHROPIC_AUTH_TOKEN' | 'CLAUDE_CODE_OAUTH_TOKEN' | 'claude login';

export interface CredentialReport {
  usable: boolean;
  /** Which one runs get; never the value. */
  source: CredentialSource | null;
  note: string;
}

export const SET_A_CREDENTIAL =
  'set ANTHROPIC_API_KEY (or CLAUDE_CODE_OAUTH_TOKEN from `claude setup-token`, or ANTHROPIC_AUTH_TOKEN for a gateway), or log in with `claude` as the service\'s user';

/**
 * Whether runs will have a credential, checked without using it: the service never calls the API itself. A login
 * counts when the operator's Claude Code directory holds one (runs get a copy, see claude-state.ts).
 */
export function credentialReport(config: Config): CredentialReport {
  for (const name of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'] as const) {
    if (config[name]) return { usable: true, source: name, note: `runs use ${name}` };
  }
  const login = path.join(operatorClaudeDir(config), '.credentials.json');
  if (fs.existsSync(login)) return { usable: true, source: 'claude login', note: `runs use the Claude login in ${path.dirname(login)}` };
  return { usable: false, source: null, note: `no Anthropic credential: runs will fail until you ${SET_A_CREDENTIAL}` };
}

const NO_CREDENTIAL = /not logged in|please run \/login|invalid api key|invalid x-api-key|authentication_error|oauth token (?:has )?expired/i;

/** A run that failed for want of a usable credential says so and what to set, instead of the CLI's "run /login". */
export function credentialFailure(text: string): string | undefined {
  if (!NO_CREDENTIAL.test(text)) return undefined;
  return `no usable Anthropic credential: ${SET_A_CREDENTIAL} (Claude Code said: ${text.trim().slice(0, 300)})`;
}
