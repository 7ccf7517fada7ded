// Which threads a message names: a link to a provider's thread (each adapter's `threadLinks`: an issue or pull
// request URL, a Jira key, a Slack permalink…) or a flow id. Pure, no I/O. The text is hostile (any commenter writes
// it): every pattern runs on RE2 (linear in the text whatever it holds), over a bounded head of the text, and at most
// MAX_REFS names come back, so a comment stuffed with links costs no more than a few lookups.
import { RE2JS } from 're2js';
import { externalThreadId } from '../domain/ids.js';
import { allAdapters } from '../webhooks/providers/index.js';

/** A message is read this far for links; a command's text is near its start anyway. */
export const MAX_SCANNED_CHARS = 16 * 1024;
/** At most this many names per message (each may cost a lookup). */
export const MAX_REFS = 10;

/** A named thread (`github:owner/repo#12`) or flow (`flow_…`). */
export type ThreadRef = { kind: 'thread'; externalId: string } | { kind: 'flow'; flowId: string };

interface Pattern {
  re: RE2JS;
  toRef(group: (n: number) => string): ThreadRef | undefined;
}

const FLOW: Pattern = { re: RE2JS.compile('\\b(flow_[0-9a-f]{24})\\b'), toRef: (g) => ({ kind: 'flow', flowId: g(1) }) };

let patterns: Pattern[] | undefined;

/** Flow ids and every provider's thread links (its adapter's `threadLinks`), compiled once, on first use. */
function allPatterns(): Pattern[] {
  patterns ??= [
    ...allAdapters().flatMap((adapter) =>
      (adapter.threadLinks ?? []).map((link): Pattern => ({
        re: RE2JS.compile(link.pattern),
        toRef: (g) => {
          const id = link.thread(g);
          return id === undefined ? undefined : { kind: 'thread', externalId: externalThreadId(adapter.name, id) };
        },
      })),
    ),
    FLOW,
  ];
  return patterns;
}

/** The threads and flows a message names, first mention first, without repeats, at most MAX_REFS. */
export function threadRefsIn(text: string): ThreadRef[] {
  const head = text.slice(0, MAX_SCANNED_CHARS);
  const found: Array<{ at: number; ref: ThreadRef }> = [];
  for (const p of allPatterns()) {
    const m = p.re.matcher(head);
    let count = 0;
    while (count < MAX_REFS && m.find()) {
      const ref = p.toRef((n) => m.group(n) ?? '');
      if (ref) found.push({ at: m.start(), ref });
      count++;
    }
  }
  found.sort((a, b) => a.at - b.at);
  const seen = new Set<string>();
  const refs: ThreadRef[] = [];
  for (const { ref } of found) {
    const key = ref.kind === 'flow' ? ref.flowId : ref.externalId;
    if (seen.has(key)) continue;
    seen.add(key);
    refs.push(ref);
    if (refs.length === MAX_REFS) break;
  }
  return refs;
}
