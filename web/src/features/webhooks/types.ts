export interface WebhookConfig {
  webhook_id: string;
  name: string;
  provider: string;
  enabled: boolean;
  endpoint_url: string;
  commands_count?: number;
  created_at: string;
  signature_header?: string;
  secret?: string;
  commands?: Command[];
}

export interface StaticCommand {
  name: string;
  aliases?: string[];
  description?: string | null;
  triggers?: string[];
  agent?: string | null;
  template?: string;
  needs_approval?: boolean;
  builtin?: boolean;
  overridden?: boolean;
}

export interface StaticRoute {
  provider: string;
  trigger_phrase: string | null;
  endpoint_url: string;
  secret_setting?: string;
  configured?: boolean;
  commands: StaticCommand[];
}

export interface Command {
  command_id: string;
  name: string;
  trigger: string;
  description?: string | null;
  conditions: unknown;
  action: string;
  agent: string | null;
  template: string | null;
  options?: Record<string, unknown> | null;
  priority: number;
  permissions: { permission_mode: string; allowed_tools?: string[]; disallowed_tools?: string[] } | null;
  needs_approval: boolean;
  stop_after_match: boolean;
  enabled: boolean;
}

export interface Decision {
  command: string | null;
  matched: boolean;
  why: string;
}

export interface Delivery {
  event_id: string;
  event_type: string | null;
  delivery_id: string | null;
  headers: unknown;
  /** Parsed when whole and shallow; otherwise the stored text, cut at 64 KiB. */
  payload: unknown;
  payload_truncated?: boolean;
  payload_size?: number;
  verified: boolean;
  verification_error: string | null;
  matched_command: string | null;
  explanation: { decisions?: Decision[]; reason?: string; why?: string; permission?: string; actions?: unknown[]; [k: string]: unknown } | string | null;
  rendered_prompt: string | null;
  task_id: string | null;
  task_status?: string | null;
  outcome: string | null;
  status_code: number | null;
  created_at: string;
  replay_of: string | null;
}

export const PROVIDERS = ['github', 'jira', 'slack', 'sentry', 'generic'] as const;
export const ACTIONS = ['create_task', 'comment', 'github_reaction', 'github_label', 'slack_message'] as const;
export const PERMISSION_MODES = ['default', 'acceptEdits', 'plan', 'dontAsk'] as const;
