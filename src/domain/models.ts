/**
 * The Claude models a conversation or task may name, in one place. An alias resolves to the model the bundled Claude
 * Code CLI resolves it to (observed with 2.1.330: `--model opus` sends `claude-opus-5-5`), so the task records the
 * model that ran, and analytics does not split one model into an alias and its name.
 */
export const MODEL_ALIASES: Readonly<Record<string, string>> = {
  opus: 'claude-opus-5-5',
  sonnet: 'claude-sonnet-5-5',
  haiku: 'claude-haiku-5-5',
};

export const KNOWN_MODELS: readonly string[] = [
  'claude-opus-5-5',
  'claude-sonnet-5-5',
  'claude-haiku-5-5',
  'claude-opus-5',
  'claude-sonnet-5',
  'claude-opus-4-8',
  'claude-opus-4-7',
  'claude-opus-4-6',
  'claude-sonnet-4-6',
  'claude-opus-4-5',
  'claude-sonnet-4-5',
  'claude-haiku-4-5',
  'claude-opus-4-1',
];

/** The full name of a known model or alias (any case), else undefined. */
export function resolveModel(name: string): string | undefined {
  const key = name.trim().toLowerCase();
  return MODEL_ALIASES[key] ?? (KNOWN_MODELS.includes(key) ? key : undefined);
}

/** What a client is told when it names a model that is not known. */
export function unknownModelMessage(name: string): string {
  return `unknown model "${name}"; known: ${Object.keys(MODEL_ALIASES).join(', ')} (aliases), ${KNOWN_MODELS.join(', ')}`;
}

/**
 * The model a run uses when nothing chose one: DEFAULT_MODEL resolved when it is a known name or alias; an operator's
 * own name (a proxy's model, a newer release) is kept as configured.
 */
export function defaultModel(configured: string): string {
  return resolveModel(configured) ?? configured;
}
