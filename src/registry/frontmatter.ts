// Frontmatter of Claude Code agents (`.claude/agents/<name>.md`) and skills (`.claude/skills/<name>/SKILL.md`):
// a small reader for the YAML subset these files use, and validators that catch what Claude Code would silently
// get wrong. The CLI (2.1.330) is lenient: it registers an agent under its frontmatter `name` whatever the file is
// called (so `--agent <file name>` then exits 1), drops a file without `name`, and drops unknown tool names from
// `tools` without a word (TodoWrite, MultiEdit, LS…). Those are the errors the registry must report on write.
import fs from 'node:fs';
import path from 'node:path';

export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export type FrontmatterValue = string | string[];

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

/** Fields whose value is one line of JSON (`webhook_config: {"name": …}`), returned unparsed. */
const JSON_FIELDS = new Set(['webhook_config']);

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
 * Fields Claude Code knows that the registry refuses, with why. `hooks`: the CLI (2.1.330) drops an agent whose
 * hooks are a scalar, a list, a number or a boolean — the only forms this format can hold besides empty ones — so
 * every run as that agent exits 1 (`--agent '<name>' not found`); and a hook would run shell commands outside the
 * permission mode and tools a task is given (docs/claude-cli-notes.md §10).
 */
const REFUSED_FIELDS: Readonly<Record<string, string>> = {
  hooks:
    'not accepted in the registry: hooks run shell commands outside the permissions a task is given, and Claude Code drops an agent whose hooks it cannot read (every run of it then fails); remove the field',
};

const KEY_LINE = /^([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(.*))?$/;

/**
 * Reads `---` frontmatter `---` then the body. Supported: `key: value` (plain, "double" or 'single' quoted),
 * `key: [a, b]`, `key:` followed by `- item` lines, full-line and trailing ` #` comments. Anything else (nested
 * mappings, block scalars, anchors, plain values YAML would misread) is a FrontmatterError naming the line and field.
 */
export function parseFrontmatter(text: string): Frontmatter {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trimEnd() !== '---') {
    throw new FrontmatterError('line 1: the file must start with a "---" line that opens the frontmatter', 1);
  }
  const close = lines.findIndex((l, i) => i > 0 && l.trimEnd() === '---');
  if (close === -1) throw new FrontmatterError('line 1: the frontmatter is never closed by a "---" line', 1);

  const data: Record<string, FrontmatterValue> = {};
  let listKey: string | undefined; // a `key:` with no value, which `- item` lines may follow
  for (let i = 1; i < close; i++) {
    const lineNo = i + 1;
    const line = lines[i]!;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (/^\t/.test(line)) throw new FrontmatterError(`line ${lineNo}: tabs cannot indent YAML; use spaces`, lineNo, listKey);

    const item = /^\s*-(?:\s+(.*)|\s*)$/.exec(line);
    if (item) {
      if (listKey === undefined) throw new FrontmatterError(`line ${lineNo}: a "- item" line must follow a "key:" line`, lineNo);
      const value = parseScalar(item[1] ?? '', lineNo, listKey);
      if (value === '') throw new FrontmatterError(`line ${lineNo} (${listKey}): empty list item`, lineNo, listKey);
      (data[listKey] as string[]).push(value);
      continue;
    }
    if (/^\s/.test(line)) {
      const field = listKey ?? lastKey(data);
      const at = `line ${lineNo}${field ? ` (${field})` : ''}`;
      throw new FrontmatterError(
        `${at}: indented "${trimmed}" is not supported (nested mappings and multi-line values are not part of this format)`,
        lineNo,
        field,
      );
    }

    const m = KEY_LINE.exec(line);
    if (!m) throw new FrontmatterError(`line ${lineNo}: expected "key: value", got "${trimmed}"`, lineNo);
    const key = m[1]!;
    if (Object.hasOwn(data, key)) throw new FrontmatterError(`line ${lineNo} (${key}): the field is given twice`, lineNo, key);
    const raw = (m[2] ?? '').trim();
    listKey = undefined;
    if (raw === '' || raw.startsWith('#')) {
      data[key] = [];
      listKey = key;
      continue;
    }
    data[key] = raw.startsWith('[') ? parseFlowList(raw, lineNo, key) : parseScalar(raw, lineNo, key);
  }

  for (const [key, value] of Object.entries(data)) {
    // `key:` with no items is YAML null; keep it visible as an empty string so validation can say "empty".
    if (Array.isArray(value) && value.length === 0) data[key] = '';
    else if (typeof value === 'string' && LIST_FIELDS.has(key) && value !== '') data[key] = splitList(value);
  }
  return { data, body: lines.slice(close + 1).join('\n') };
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

function lastKey(data: Record<string, FrontmatterValue>): string | undefined {
  const keys = Object.keys(data);
  return keys[keys.length - 1];
}

function parseScalar(raw: string, lineNo: number, key: string): string {
  const at = `line ${lineNo} (${key})`;
  const first = raw[0];
  if (first === '"' || first === "'") {
    const { value, rest } = first === '"' ? readDoubleQuoted(raw, lineNo, key) : readSingleQuoted(raw, lineNo, key);
    if (rest.trim() !== '' && !/^\s+#/.test(rest)) {
      throw new FrontmatterError(`${at}: unexpected text after the closing quote: "${rest.trim()}"`, lineNo, key);
    }
    return value;
  }
  if (first === '|' || first === '>') {
    throw new FrontmatterError(`${at}: block scalars ("${first}") are not supported; write the value on one line`, lineNo, key);
  }
  if (first === '{') {
    // A one-line JSON object is a valid YAML flow mapping; the fields that carry one keep it as text for JSON.parse.
    if (JSON_FIELDS.has(key)) return raw.trim();
    throw new FrontmatterError(`${at}: flow mappings ("{…}") are not supported`, lineNo, key);
  }
  if (first !== undefined && '&*!%@`'.includes(first)) {
    throw new FrontmatterError(`${at}: a value starting with "${first}" must be quoted`, lineNo, key);
  }
  const value = raw.replace(/\s+#.*$/, '').trim();
  // Valid YAML or not? `description: Use when: x` is a YAML error ("mapping values are not allowed here"); the CLI
  // happens to tolerate it, other YAML readers do not.
  if (/:(\s|$)/.test(value)) {
    throw new FrontmatterError(`${at}: a plain value cannot contain ": "; put the value in quotes`, lineNo, key);
  }
  return value;
}

function readDoubleQuoted(raw: string, lineNo: number, key: string): { value: string; rest: string } {
  const at = `line ${lineNo} (${key})`;
  const escapes: Record<string, string> = { n: '\n', t: '\t', '"': '"', '\\': '\\', '/': '/', r: '\r', '0': '\0' };
  let value = '';
  for (let i = 1; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '"') return { value, rest: raw.slice(i + 1) };
    if (ch === '\\') {
      const next = raw[++i];
      const mapped = next === undefined ? undefined : escapes[next];
      if (mapped === undefined) {
        throw new FrontmatterError(`${at}: unsupported escape "\\${next ?? ''}" in a double-quoted string`, lineNo, key);
      }
      value += mapped;
    } else value += ch;
  }
  throw new FrontmatterError(`${at}: unterminated double-quoted string`, lineNo, key);
}

function readSingleQuoted(raw: string, lineNo: number, key: string): { value: string; rest: string } {
  let value = '';
  for (let i = 1; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === "'") {
      if (raw[i + 1] === "'") {
        value += "'";
        i++;
        continue;
      }
      return { value, rest: raw.slice(i + 1) };
    }
    value += ch;
  }
  throw new FrontmatterError(`line ${lineNo} (${key}): unterminated single-quoted string`, lineNo, key);
}

function parseFlowList(raw: string, lineNo: number, key: string): string[] {
  const at = `line ${lineNo} (${key})`;
  const withoutComment = raw.replace(/\]\s+#.*$/, ']').trim();
  if (!withoutComment.endsWith(']')) throw new FrontmatterError(`${at}: "[" without a closing "]" on the same line`, lineNo, key);
  const inner = withoutComment.slice(1, -1).trim();
  if (inner === '') return [];
  // YAML splits a flow sequence at every comma outside quotes; parentheses do not protect one.
  const items: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of inner) {
    if (quote) {
      current += ch;
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === ',') {
      items.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (quote) throw new FrontmatterError(`${at}: unterminated quoted string in the list`, lineNo, key);
  items.push(current.trim());
  return items.map((item) => {
    if (item === '') throw new FrontmatterError(`${at}: empty list item`, lineNo, key);
    return parseScalar(item, lineNo, key);
  });
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
    // A refused field the reader cannot even parse (a nested `hooks:` mapping) is reported as refused, by its name.
    const refused = err.field !== undefined && Object.hasOwn(REFUSED_FIELDS, err.field) ? err.field : undefined;
    return [...errors, refused ? `${refused}: ${REFUSED_FIELDS[refused]}` : `frontmatter: ${err.message}`];
  }
  const { data, body } = parsed;
  const where = kind === 'agent' ? `the file name "${name}.md"` : `the folder name "${name}"`;

  const declared = data.name;
  if (declared === undefined || declared === '') errors.push(`name: missing; it must be "${name}"`);
  else if (typeof declared !== 'string') errors.push('name: must be a single value, not a list');
  else if (declared !== name) errors.push(`name: "${declared}" does not match ${where}`);

  const description = data.description;
  if (description === undefined || description === '') errors.push('description: missing; say in one sentence when to use it');
  else if (typeof description !== 'string') errors.push('description: must be a single value, not a list');

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

function toolProblems(field: string, value: FrontmatterValue): string[] {
  const entries = typeof value === 'string' ? splitList(value) : value;
  if (entries.length === 0) return [`${field}: empty; list tool names, or leave the field out`];
  const problems: string[] = [];
  for (const entry of entries) {
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
