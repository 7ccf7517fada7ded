// Frontmatter of Claude Code agents (`.claude/agents/<name>.md`) and skills (`.claude/skills/<name>/SKILL.md`):
// YAML read by `yaml`, and validators that catch what Claude Code would silently get wrong. The CLI (2.1.330) is
// lenient: it registers an agent under its frontmatter `name` whatever the file is called (so `--agent <file name>`
// then exits 1), drops a file without `name`, and drops unknown tool names from `tools` without a word (TodoWrite,
// MultiEdit, LS…). Those are the errors the registry must report on write.
import fs from 'node:fs';
import path from 'node:path';
import { isMap, LineCounter, type Pair, parseDocument, type YAMLError } from 'yaml';

export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** A YAML value as read: nested mappings and lists (`mcpServers`, `allowed-tools`) keep their shape. */
export type FrontmatterValue = string | number | boolean | null | FrontmatterValue[] | { [key: string]: FrontmatterValue };

export interface Frontmatter {
  data: Record<string, FrontmatterValue>;
  body: string;
}

export class FrontmatterError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'FrontmatterError';
  }
}

/**
 * Fields that hold tool or name lists. Claude Code writes them as one comma-separated string (`tools: Read, Bash`)
 * or as a YAML list; either way they come back as string[]. The comma split respects parentheses, because a
 * pattern such as `Agent(planning, executor)` is one entry (the CLI reads it that way too).
 */
const LIST_FIELDS = new Set(['tools', 'disallowedTools', 'allowed-tools', 'skills']);

/**
 * Tools Claude Code 2.1.330 accepts by name, as seen in `system/init.tools` (docs/claude-cli-notes.md §7), plus
 * Grep and Glob (offered only when Bash is not, but valid), Task (the old name of Agent) and KillShell (an alias the
 * CLI maps to TaskStop).
 */
export const KNOWN_TOOLS: ReadonlySet<string> = new Set([
  'Agent', 'Bash', 'CronCreate', 'CronDelete', 'CronList', 'Edit', 'EnterWorktree', 'ExitWorktree', 'Glob', 'Grep',
  'KillShell', 'ListAgents', 'Monitor', 'NotebookEdit', 'Read', 'ReportFindings', 'ScheduleWakeup', 'SendMessage',
  'Skill', 'Task', 'TaskCreate', 'TaskGet', 'TaskList', 'TaskStop', 'TaskUpdate', 'ToolSearch', 'WebFetch',
  'WebSearch', 'Workflow', 'Write',
]);

const MODEL_ALIASES = new Set(['sonnet', 'opus', 'haiku', 'inherit']);
const MODEL_ID = /^claude-[a-z0-9][a-z0-9.-]*(\[1m\])?$/;

const AGENT_FIELDS = new Set([
  'name', 'description', 'tools', 'disallowedTools', 'model', 'permissionMode', 'maxTurns', 'skills', 'mcpServers',
  'hooks', 'memory', 'background', 'effort', 'isolation', 'initialPrompt', 'color',
]);
const SKILL_FIELDS = new Set([
  'name', 'description', 'allowed-tools', 'model', 'disable-model-invocation', 'user-invocable', 'argument-hint',
  'context', 'agent', 'hooks', 'when_to_use', 'license', 'version', 'webhook_config',
]);

/**
 * Fields Claude Code knows that the registry refuses, with why. `hooks`, in any form: a hook runs shell commands
 * outside the permission mode and tools a task is given (docs/claude-cli-notes.md §10), and the CLI (2.1.330) drops
 * an agent whose hooks are a scalar, a list, a number or a boolean, so every run as that agent exits 1
 * (`--agent '<name>' not found`).
 */
const REFUSED_FIELDS: Readonly<Record<string, string>> = {
  hooks:
    'not accepted in the registry: hooks run shell commands outside the permissions a task is given, and Claude Code drops an agent whose hooks it cannot read (every run of it then fails); remove the field',
};

/** What to do about YAML errors whose own message does not say it. */
const HINTS: Readonly<Record<string, string>> = {
  BLOCK_AS_IMPLICIT_KEY: 'a plain value cannot contain ": "; put the value in quotes',
  BAD_SCALAR_START: 'put the value in quotes',
  TAB_AS_INDENT: 'use spaces',
};

/**
 * Reads `---` frontmatter `---` then the body. The frontmatter is YAML 1.2 (core schema: numbers and booleans are
 * read as such; no custom tags); it must be a mapping with string keys, each given once. A YAML error is a
 * FrontmatterError naming the line in the file and the top-level field it is in.
 */
export function parseFrontmatter(text: string): Frontmatter {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trimEnd() !== '---') {
    throw new FrontmatterError('line 1: the file must start with a "---" line that opens the frontmatter', 1);
  }
  const close = lines.findIndex((l, i) => i > 0 && l.trimEnd() === '---');
  if (close === -1) throw new FrontmatterError('line 1: the frontmatter is never closed by a "---" line', 1);

  const source = lines.slice(1, close).join('\n');
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { uniqueKeys: true, stringKeys: true, resolveKnownTags: false, prettyErrors: false, lineCounter });
  const problem = doc.errors[0] ?? doc.warnings[0];
  const pairs = isMap(doc.contents) ? (doc.contents.items as Pair[]) : [];
  if (problem) throw yamlError(problem, pairs, lineCounter.linePos(problem.pos[0]).line + 1);
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new FrontmatterError('line 2: the frontmatter must be "key: value" fields', 2);
  }

  const data = (doc.toJS() ?? {}) as Record<string, FrontmatterValue>;
  for (const [key, value] of Object.entries(data)) {
    // `key:` with no value is YAML null; keep it visible as an empty string so validation can say "empty".
    if (value === null) data[key] = '';
    else if (typeof value === 'string' && LIST_FIELDS.has(key) && value !== '') data[key] = splitList(value);
  }
  return { data, body: lines.slice(close + 1).join('\n') };
}

/** A YAML error as "line N (field): what", N counted in the whole file (the frontmatter starts on line 2). */
function yamlError(error: YAMLError, pairs: Pair[], line: number): FrontmatterError {
  const offset = error.pos[0];
  // The field an error belongs to: the last top-level key that starts at or before it.
  const pair = pairs.findLast((p) => {
    const start = (p.key as { range?: [number, number, number] } | null)?.range?.[0];
    return start !== undefined && start <= offset;
  });
  const key = (pair?.key as { value?: unknown } | null)?.value;
  const field = typeof key === 'string' ? key : undefined;
  const what = error.message.replace(/ at line \d+, column \d+[\s\S]*$/, '');
  const hint = HINTS[error.code] ? `; ${HINTS[error.code]}` : '';
  return new FrontmatterError(`line ${line}${field ? ` (${field})` : ''}: ${what}${hint}`, line, field);
}

/** Splits `Read, Bash(git diff:*), Agent(planning, executor)` at the commas outside parentheses. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of value) {
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  out.push(current.trim());
  return out.filter((s) => s !== '');
}

// ---------------------------------------------------------------------------------------------------------------
// Validation: each problem is one sentence starting with the field it is about, so an API can answer 400 with it.

export function validateAgent(name: string, text: string): string[] {
  return validate('agent', name, text);
}

export function validateSkill(name: string, text: string): string[] {
  return validate('skill', name, text);
}

function validate(kind: 'agent' | 'skill', name: string, text: string): string[] {
  const errors: string[] = [];
  if (!NAME_PATTERN.test(name)) {
    errors.push(`name: "${name}" is not a valid ${kind} name (lowercase letters, digits and "-", at most 64, not starting with "-")`);
  }
  let parsed: Frontmatter;
  try {
    parsed = parseFrontmatter(text);
  } catch (err) {
    if (!(err instanceof FrontmatterError)) throw err;
    // A refused field that is not even valid YAML is reported as refused, by its name: fixing the YAML would not help.
    const refused = err.field !== undefined && Object.hasOwn(REFUSED_FIELDS, err.field) ? err.field : undefined;
    return [...errors, refused ? `${refused}: ${REFUSED_FIELDS[refused]}` : `frontmatter: ${err.message}`];
  }
  const { data, body } = parsed;
  const where = kind === 'agent' ? `the file name "${name}.md"` : `the folder name "${name}"`;

  const declared = data.name;
  if (declared === undefined || declared === '') errors.push(`name: missing; it must be "${name}"`);
  else if (typeof declared !== 'string') errors.push(`name: must be text, not ${shape(declared)}`);
  else if (declared !== name) errors.push(`name: "${declared}" does not match ${where}`);

  const description = data.description;
  if (description === undefined || description === '') errors.push('description: missing; say in one sentence when to use it');
  else if (typeof description !== 'string') errors.push(`description: must be text, not ${shape(description)}`);

  const toolFields = kind === 'agent' ? ['tools', 'disallowedTools'] : ['allowed-tools'];
  for (const field of toolFields) {
    if (Object.hasOwn(data, field)) errors.push(...toolProblems(field, data[field]!));
  }

  if (kind === 'agent' && Object.hasOwn(data, 'model')) {
    const model = data.model;
    if (typeof model !== 'string' || !(MODEL_ALIASES.has(model) || MODEL_ID.test(model))) {
      errors.push(`model: "${String(model)}" is not sonnet, opus, haiku, inherit or a claude-… model id`);
    }
  }

  const known = kind === 'agent' ? AGENT_FIELDS : SKILL_FIELDS;
  for (const key of Object.keys(data)) {
    if (Object.hasOwn(REFUSED_FIELDS, key)) errors.push(`${key}: ${REFUSED_FIELDS[key]}`);
    else if (!known.has(key)) errors.push(`${key}: not a field of a Claude Code ${kind} (known: ${[...known].filter((k) => !Object.hasOwn(REFUSED_FIELDS, k)).join(', ')})`);
  }

  if (body.trim() === '') {
    errors.push(kind === 'agent' ? "body: empty; the body is the agent's system prompt" : "body: empty; the body is the skill's instructions");
  }
  return errors;
}

const TOOL_ENTRY = /^([A-Za-z]+)(?:\((.*)\))?$/;
const MCP_TOOL = /^mcp__[A-Za-z0-9_-]+(?:__(?:[A-Za-z0-9_.-]+|\*))?$/;

const shape = (v: FrontmatterValue) => (Array.isArray(v) ? 'a list' : v !== null && typeof v === 'object' ? 'a mapping' : `the ${typeof v} ${String(v)}`);

function toolProblems(field: string, value: FrontmatterValue): string[] {
  const entries = typeof value === 'string' ? splitList(value) : value;
  if (!Array.isArray(entries)) return [`${field}: must be a comma-separated line or a list of tool names, not ${shape(value)}`];
  if (entries.length === 0) return [`${field}: empty; list tool names, or leave the field out`];
  const problems: string[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string') {
      problems.push(`${field}: every entry must be a tool name, not ${shape(entry)}`);
      continue;
    }
    if (MCP_TOOL.test(entry)) continue;
    const m = TOOL_ENTRY.exec(entry);
    if (!m) {
      const hint = /^[A-Za-z]+\s+[A-Za-z]/.test(entry) ? '; separate tools with commas' : '';
      problems.push(`${field}: "${entry}" is not a tool name or a Tool(pattern)${hint}`);
      continue;
    }
    const [, tool, spec] = m;
    if (!KNOWN_TOOLS.has(tool!)) {
      const near = [...KNOWN_TOOLS].find((t) => t.toLowerCase() === tool!.toLowerCase());
      problems.push(
        `${field}: "${tool}" is not a Claude Code tool${near ? ` (did you mean "${near}"?)` : ' (the CLI would silently drop it)'}`,
      );
    } else if (spec !== undefined && spec.trim() === '') {
      problems.push(`${field}: "${entry}" has an empty pattern`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Listing an agent home

/** Agent names: the `.md` files under `<agentHome>/.claude/agents`, without the extension, sorted. */
export function listAgentNames(agentHome: string): string[] {
  const dir = path.join(agentHome, '.claude', 'agents');
  return readDir(dir)
    .filter((e) => e.endsWith('.md') && isFile(path.join(dir, e)))
    .map((e) => e.slice(0, -'.md'.length))
    .sort();
}

/** Skill names: the folders under `<agentHome>/.claude/skills` that hold a SKILL.md, sorted. */
export function listSkillNames(agentHome: string): string[] {
  const dir = path.join(agentHome, '.claude', 'skills');
  return readDir(dir)
    .filter((e) => isFile(path.join(dir, e, 'SKILL.md')))
    .sort();
}

function readDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
