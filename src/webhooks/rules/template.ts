// Prompt templates: `{{dot.path}}` reads the delivery's payload (array items by index: `{{issue.labels.0.name}}`),
// plus `{{user_content}}`, `{{provider}}` and `{{task_id}}`. `{{a || b}}` takes the first non-empty one, because one
// command serves events whose payloads differ (an issue comment has `issue.number`, a review comment
// `pull_request.number`). Templates are checked when a rule set loads, so a typo fails start-up instead of sending
// literal braces to the model. Rendering is one pass: braces inside payload values or user text are never expanded.
import { allAdapters } from '../providers/index.js';
import { printable } from './conditions.js';
import { RuleSet } from './types.js';

export const BUILTIN_VARIABLES = ['user_content', 'provider', 'task_id'] as const;

/** Top-level payload fields a template may use, per provider: what the documented payloads carry (the adapters say). */
export const PAYLOAD_ROOTS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(allAdapters().map((a) => [a.name, a.payloadRoots]));

export interface TemplateVars {
  payload: unknown;
  user_content: string;
  provider: string;
  task_id: string;
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const VARIABLE = /^[A-Za-z_$][\w$-]*(?:\.[\w$-]+)*$/;

export function renderTemplate(template: string, vars: TemplateVars): string {
  return template.replace(PLACEHOLDER, (_match, expression: string) => {
    for (const alternative of expression.split('||')) {
      const value = resolve(alternative.trim(), vars);
      if (value !== '') return value;
    }
    return '';
  });
}

function resolve(name: string, vars: TemplateVars): string {
  if (name === 'user_content' || name === 'provider' || name === 'task_id') return vars[name];
  let value: unknown = vars.payload;
  for (const key of name.split('.')) {
    if (Array.isArray(value) && /^\d+$/.test(key)) value = value[Number(key)];
    else if (typeof value === 'object' && value !== null && Object.hasOwn(value, key)) {
      value = (value as Record<string, unknown>)[key];
    } else return '';
  }
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return printable(value) ?? '';
  return String(value);
}

/**
 * Problems with a template, as sentences: malformed braces, malformed variable names, unknown top-level variables.
 * Without `knownRoots` any payload path is accepted.
 */
export function validateTemplate(template: string, knownRoots?: readonly string[]): string[] {
  const problems: string[] = [];
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf('{{', at);
    const close = template.indexOf('}}', at);
    if (close !== -1 && (open === -1 || close < open)) {
      problems.push(`"}}" at position ${close} has no opening "{{"`);
      at = close + 2;
      continue;
    }
    if (open === -1) break;
    const end = template.indexOf('}}', open + 2);
    if (end === -1) {
      problems.push(`"{{" at position ${open} is never closed`);
      break;
    }
    const placeholder = template.slice(open, end + 2);
    const inner = template.slice(open + 2, end);
    at = end + 2;
    if (inner.includes('{')) {
      problems.push(`malformed placeholder ${quote(placeholder)} at position ${open}: a "{" inside it`);
      continue;
    }
    for (const alternative of inner.split('||').map((a) => a.trim())) {
      const problem = checkVariable(alternative, placeholder, knownRoots);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

function checkVariable(name: string, placeholder: string, knownRoots: readonly string[] | undefined): string | null {
  if (name === '') return `empty variable in ${quote(placeholder)}`;
  if (!VARIABLE.test(name)) {
    return `malformed variable "${name}" in ${quote(placeholder)}: use names and indexes joined by "."`;
  }
  const [root, ...rest] = name.split('.');
  if ((BUILTIN_VARIABLES as readonly string[]).includes(root!)) {
    return rest.length > 0 ? `variable "${name}" in ${quote(placeholder)}: ${root} is text and has no fields` : null;
  }
  if (knownRoots && !knownRoots.includes(root!)) {
    return (
      `unknown variable "${name}" in ${quote(placeholder)}: "${root}" is not ${BUILTIN_VARIABLES.join(', ')} ` +
      `or a payload field (${knownRoots.join(', ')})`
    );
  }
  return null;
}

function quote(placeholder: string): string {
  return `"${placeholder}"`;
}

export class RuleSetError extends Error {
  constructor(
    readonly provider: string,
    readonly problems: string[],
  ) {
    super(`rule set for ${provider} is invalid: ${problems.join('; ')}`);
    this.name = 'RuleSetError';
  }
}

/**
 * Checks a rule set (built-in or user-defined) and returns it typed: shape, unique names and aliases, a default
 * command and auto triggers that exist and apply to their events, and every template. Throws RuleSetError listing
 * every problem, each naming the command (and variable) at fault.
 */
export function loadRuleSet(input: unknown, opts: { knownRoots?: readonly string[] } = {}): RuleSet {
  const parsed = RuleSet.safeParse(input);
  if (!parsed.success) {
    const provider = (input as { provider?: unknown } | null)?.provider;
    const problems = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(rule set)'}: ${i.message}`);
    throw new RuleSetError(typeof provider === 'string' ? provider : '?', problems);
  }
  const ruleSet = parsed.data;
  const { provider } = ruleSet;
  const knownRoots = opts.knownRoots ?? (Object.hasOwn(PAYLOAD_ROOTS, provider) ? PAYLOAD_ROOTS[provider] : undefined);
  if (!knownRoots) {
    throw new RuleSetError(provider, [`no payload fields are known for provider "${provider}"; pass knownRoots`]);
  }

  const problems: string[] = [];
  const byWord = new Map<string, string>();
  for (const command of ruleSet.commands) {
    for (const word of [command.name, ...command.aliases]) {
      const key = word.toLowerCase();
      const owner = byWord.get(key);
      if (owner) problems.push(`command "${command.name}": "${word}" is already used by command "${owner}"`);
      else byWord.set(key, command.name);
    }
    if (!command.answers_directly && !command.approval_command && command.template.trim() === '') {
      problems.push(`command "${command.name}": runs the model but has an empty template`);
    }
    for (const problem of validateTemplate(command.template, knownRoots)) {
      problems.push(`command "${command.name}": ${problem}`);
    }
  }

  const commandNamed = (name: string) => ruleSet.commands.find((c) => c.name === name);
  if (!commandNamed(ruleSet.defaultCommand)) {
    problems.push(`defaultCommand "${ruleSet.defaultCommand}" is not a command`);
  }
  for (const [eventType, name] of Object.entries(ruleSet.autoTriggers)) {
    const command = commandNamed(name);
    if (!command) problems.push(`autoTriggers["${eventType}"]: "${name}" is not a command`);
    else if (!command.triggers.includes(eventType)) {
      problems.push(`autoTriggers["${eventType}"]: command "${name}" does not list ${eventType} in its triggers`);
    }
  }

  if (problems.length > 0) throw new RuleSetError(provider, problems);
  return ruleSet;
}
