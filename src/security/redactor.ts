// Every secret value the service knows — secret settings, dynamic webhook secrets, the MCP tokens of running tasks —
// replaced by `[redacted]` wherever text leaves the service: stream items before they are stored, published or posted
// back, a task's output and error, the conversation, and every log line. Values are grouped by where they come from
// (`config`, `webhooks`, `mcp:<task_id>`), so a source can be replaced or dropped without touching the others.

export const REDACTED = '[redacted]';

/**
 * Shorter values are not redacted as values: an 8-character floor keeps a weak setting (`test`, `admin`) from
 * turning every occurrence of an ordinary word into `[redacted]`. Real tokens and generated secrets are far longer.
 */
export const MIN_SECRET_LENGTH = 8;

/** Objects nested deeper than this are redacted as their JSON text (a stack-safe bound for model-made tool inputs). */
const MAX_DEPTH = 64;

/** What a log line or stored JSON holds for a value: the JSON-escaped form, when it differs (quotes, newlines). */
function escaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/** The forms of one secret that are searched for: the value, its JSON-escaped form, and each line of a multi-line value. */
function formsOf(value: string): string[] {
  const forms = [value, escaped(value)];
  if (/[\r\n]/.test(value)) {
    // A PEM key printed in part (`head -3 key.pem`) is still a leak: each of its body lines is a secret of its own.
    for (const line of value.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed.length >= MIN_SECRET_LENGTH && !trimmed.startsWith('-----')) forms.push(trimmed);
    }
  }
  return forms.filter((f) => f.length >= MIN_SECRET_LENGTH);
}

export class Redactor {
  private readonly groups = new Map<string, string[]>();
  private pattern: RegExp | null = null;
  /** Every searched form, longest first. */
  private forms: string[] = [];
  private dirty = false;

  constructor(configSecrets: readonly string[] = []) {
    this.set('config', configSecrets);
  }

  /** Replaces the values of one source. */
  set(group: string, values: Iterable<string>): void {
    const kept = [...values].filter((v) => typeof v === 'string' && v.length >= MIN_SECRET_LENGTH);
    if (kept.length === 0) this.groups.delete(group);
    else this.groups.set(group, kept);
    this.dirty = true;
  }

  /** Adds one value to a source at once (a secret just created, before any reload). */
  add(group: string, value: string): void {
    this.set(group, [...(this.groups.get(group) ?? []), value]);
  }

  delete(group: string): void {
    if (this.groups.delete(group)) this.dirty = true;
  }

  /** How many distinct values are redacted (for tests and the start-up log). */
  get size(): number {
    return new Set([...this.groups.values()].flat()).size;
  }

  private compile(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const forms = new Set<string>();
    for (const values of this.groups.values()) for (const v of values) for (const f of formsOf(v)) forms.add(f);
    // Longest first, so a secret that contains another is replaced whole.
    this.forms = [...forms].sort((a, b) => b.length - a.length);
    this.pattern = this.forms.length ? new RegExp(this.forms.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g') : null;
  }

  /** The text with every known secret replaced by `[redacted]`. */
  redact(text: string): string {
    this.compile();
    if (!this.pattern || text.length < MIN_SECRET_LENGTH) return text;
    return text.replace(this.pattern, REDACTED);
  }

  /** A copy of a JSON-like value with every string redacted; the same object when nothing needed it. */
  redactDeep<T>(value: T): T {
    this.compile();
    if (!this.pattern) return value;
    return this.walk(value, 0) as T;
  }

  private walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth >= MAX_DEPTH) return this.redactAsJson(value);
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((v) => {
        const r = this.walk(v, depth + 1);
        changed ||= r !== v;
        return r;
      });
      return changed ? out : value;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value; // stream items and events are plain JSON
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = this.walk(v, depth + 1);
      changed ||= r !== v;
      out[k] = r;
    }
    return changed ? out : value;
  }

  private redactAsJson(value: object): unknown {
    let text: string;
    try {
      text = JSON.stringify(value);
    } catch {
      return '[too deeply nested to show]';
    }
    const clean = this.redact(text);
    return clean === text ? value : clean;
  }

  /**
   * For text that streams in pieces: how many characters at the end of `text` could be the beginning of a secret,
   * so the caller holds them back until the next piece shows whether the secret follows.
   */
  pendingTail(text: string): number {
    this.compile();
    let longest = 0;
    for (const form of this.forms) {
      const from = Math.max(0, text.length - form.length + 1);
      for (let i = from; i < text.length; i++) {
        if (text.length - i <= longest) break;
        if (text.charCodeAt(i) === form.charCodeAt(0) && form.startsWith(text.slice(i))) {
          longest = text.length - i;
          break;
        }
      }
    }
    return longest;
  }
}
