// Which threads a message names: a GitHub issue or pull request URL, a GitLab issue or merge request URL, a Jira key,
// a Sentry issue URL, a Slack permalink, or a flow id. Pure, no I/O. The text is hostile (any commenter writes it):
// every pattern runs on RE2 (linear in the text whatever it holds), over a bounded head of the text, and at most
// MAX_REFS names come back, so a comment stuffed with links costs no more than a few lookups.
import { RE2JS } from 're2js';
import { externalThreadId } from '../domain/ids.js';

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

const SEG = '[A-Za-z0-9_.-]{1,100}';
const thread = (provider: string, id: string): ThreadRef => ({ kind: 'thread', externalId: externalThreadId(provider, id) });

const PATTERNS: Pattern[] = [
  {
    // https://github.com/owner/repo/issues/12, …/pull/12 (GitHub Enterprise hosts too: the path is what names it;
    // Sentry's /organizations/<org>/issues/<id> has the same shape and is read by its own pattern)
    re: RE2JS.compile(`https?://([A-Za-z0-9.:-]{1,200})/(${SEG})/(${SEG})/(?:issues|pull)/([0-9]{1,10})\\b`),
    toRef: (g) => (/sentry/i.test(g(1)) ? undefined : thread('github', `${g(2)}/${g(3)}#${g(4)}`)),
  },
  {
    // https://gitlab.example.com/group/sub/project/-/issues/17, …/-/merge_requests/1
    re: RE2JS.compile(`https?://[A-Za-z0-9.:-]{1,200}/((?:${SEG}/){1,10}${SEG})/-/(issues|merge_requests)/([0-9]{1,10})\\b`),
    toRef: (g) => thread('gitlab', `${g(1)}${g(2) === 'issues' ? '#' : '!'}${g(3)}`),
  },
  {
    // https://acme.sentry.io/issues/1117540176/, https://sentry.io/organizations/acme/issues/1117540176/
    re: RE2JS.compile(`https?://[A-Za-z0-9.:-]{0,200}sentry[A-Za-z0-9.:-]{0,200}/(?:organizations/${SEG}/)?issues/([0-9]{1,20})\\b`),
    toRef: (g) => thread('sentry', `sentry-issue-${g(1)}`),
  },
  {
    // https://acme.slack.com/archives/C0123ABC/p1700000000000100(?thread_ts=1700000000.000100): the thread's ts when
    // the permalink is of a reply, else the message's own (which starts the thread)
    re: RE2JS.compile('https://[A-Za-z0-9-]{1,100}\\.slack\\.com/archives/([A-Z0-9]{1,30})/p([0-9]{10})([0-9]{6})(?:[?&]thread_ts=([0-9]{10}\\.[0-9]{6}))?'),
    toRef: (g) => thread('slack', `${g(1)}/${g(4) || `${g(2)}.${g(3)}`}`),
  },
  {
    re: RE2JS.compile('\\b(flow_[0-9a-f]{24})\\b'),
    toRef: (g) => ({ kind: 'flow', flowId: g(1) }),
  },
  {
    // PROJ-5: a Jira key, alone or in a /browse/ URL. Upper-case project keys only, so "utf-8" or "sha-256" are not;
    // not inside a path or word (a repository named PROJ-5 in a URL is not the key).
    re: RE2JS.compile('(?:^|[^A-Za-z0-9_/.-]|/browse/)([A-Z][A-Z0-9_]{1,9}-[0-9]{1,9})\\b'),
    toRef: (g) => thread('jira', g(1)),
  },
];

/** The threads and flows a message names, first mention first, without repeats, at most MAX_REFS. */
export function threadRefsIn(text: string): ThreadRef[] {
  const head = text.slice(0, MAX_SCANNED_CHARS);
  const found: Array<{ at: number; ref: ThreadRef }> = [];
  for (const p of PATTERNS) {
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
