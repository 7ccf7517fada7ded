import type { Block, Message } from './types.js';

// Request analysis: where the prompt, its directive, the working directory and the tool results are.

const DIRECTIVE = /\[\[script:([\s\S]*?)\]\]/g;
export const REMINDER = /<system-reminder>[\s\S]*?<\/system-reminder>/g;

export function blocksOf(m: Message | undefined): Block[] {
  if (!m) return [];
  if (typeof m.content === 'string') return [{ type: 'text', text: m.content }];
  return Array.isArray(m.content) ? m.content : [];
}

export function textsOf(m: Message | undefined): string[] {
  return blocksOf(m)
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string);
}

/** Text of a message without `<system-reminder>` blocks. */
export function visibleText(m: Message | undefined): string {
  return textsOf(m)
    .map((t) => t.replace(REMINDER, ''))
    .join('\n')
    .trim();
}

/** Index of the latest user message carrying real prompt text (not only tool_result blocks / reminders). */
export function latestPromptIndex(messages: Message[]): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== 'user') continue;
    // A tool turn is never a new prompt, even with text beside its results (after ToolSearch the CLI adds
    // "Tool loaded.").
    const toolTurn = blocksOf(m).some((b) => b.type === 'tool_result');
    if (visibleText(m) !== '' && !toolTurn) return i;
    // A prompt made only of reminder text still counts if it carries a directive.
    if (textsOf(m).some((t) => t.includes('[[script:'))) return i;
  }
  return -1;
}

export function findDirective(m: Message | undefined): { name: string; args: string[]; rest: string } | undefined {
  let last: string | undefined;
  for (const t of textsOf(m)) {
    for (const match of t.matchAll(DIRECTIVE)) last = match[1];
  }
  if (last === undefined) return undefined;
  const trimmed = last.trim();
  const name = trimmed.split(/\s+/)[0] ?? '';
  const rest = trimmed.slice(name.length).trim();
  return { name: name.toLowerCase(), args: rest === '' ? [] : rest.split(/\s+/), rest };
}

export function systemTextOf(body: any): string {
  const s = body?.system;
  if (typeof s === 'string') return s;
  if (Array.isArray(s)) return s.map((b: any) => (typeof b?.text === 'string' ? b.text : '')).join('\n');
  return '';
}

export function toolNamesOf(body: any): string[] {
  return Array.isArray(body?.tools) ? body.tools.map((t: any) => String(t?.name ?? '')) : [];
}

/**
 * The working directory as the CLI states it: a `<system-reminder>` in the first user message
 * (`Primary working directory: /path`) in 2.1.330; after `--resume` from another directory a later
 * `# Environment update` reminder says `Primary working directory: /new (was /old)`, so the last mention wins.
 */
export function findCwd(body: any, systemText: string): string | undefined {
  const haystacks = [systemText];
  for (const m of (body?.messages ?? []) as Message[]) haystacks.push(...textsOf(m));
  const patterns = [
    /(?:Primary )?[Ww]orking directory:[ \t]*([^\n]+)/g,
    /<cwd>\s*([^<\n]+?)\s*<\/cwd>/g,
  ];
  for (const p of patterns) {
    let found: string | undefined;
    for (const h of haystacks) {
      for (const m of h.matchAll(p)) if (m[1]) found = m[1];
    }
    if (found !== undefined) return found.replace(/\s+\(was [^)]*\)\s*$/, '').trim();
  }
  return undefined;
}

/** Text of a tool_result without the `<system-reminder>` blocks the CLI appends to it. */
export function toolResultText(block: Block): string {
  const c = block.content;
  let t = '';
  if (typeof c === 'string') t = c;
  else if (Array.isArray(c)) t = c.map((x: any) => (typeof x?.text === 'string' ? x.text : '')).join('');
  return t.replace(REMINDER, '').trim();
}

export function approxTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

const MAIN_LOOP_MARKERS = /Claude Agent SDK|Claude Code|You are an agent|You are a Claude agent/;

export function isSideRequest(path: string, body: any, systemText: string): boolean {
  if (path !== '/v1/messages') return true;
  if (typeof body?.max_tokens === 'number' && body.max_tokens <= 1024) return true;
  if (toolNamesOf(body).length === 0 && !MAIN_LOOP_MARKERS.test(systemText)) return true;
  return false;
}
