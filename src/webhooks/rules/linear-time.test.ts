// Every pattern the service runs over text from the internet must take time linear in that text: a comment is
// matched before anyone's permission is checked, so any commenter on a public repository chooses the input. Each
// provider's whole path from body to decision (parse, trigger search, command match, template, dynamic conditions)
// gets 1 MiB adversarial strings.
//
// This is the one test that asserts on time, because the issue asks for it ("well under a second" for 1 MB): the
// bound is a generous 1 s per input (the whole path over 1 MiB takes tens of milliseconds; the quadratic patterns
// this replaces took 7 s for 40 kB and hours for 1 MiB). What is measured is this process's CPU time, not the wall
// clock, so other processes on a loaded machine do not count against it. Each input grows from
// 16 KiB to 1 MiB by fourfold steps and stops at the first step over the bound: a regression to quadratic time fails
// within seconds (the next step costs at most 16 times the last) instead of hanging the suite, since a running regex
// cannot be interrupted.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { genericEvent } from '../engine.js';
import * as github from '../providers/github/parse.js';
import * as jira from '../providers/jira/parse.js';
import * as sentry from '../providers/sentry/parse.js';
import * as slack from '../providers/slack/parse.js';
import type { ParsedDelivery, RawDelivery } from '../providers/types.js';
import { BUILTIN_RULE_SETS } from './builtin-commands.js';
import { evaluate, type Condition } from './conditions.js';
import { matchCommand, matchRoute } from './matcher.js';
import type { Rule } from './types.js';
import { renderTemplate } from './template.js';

const FIXTURES = new URL('../../../test/fixtures/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, any>;
const BOUND_MS = 1000;
const SIZES = [16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024];
const BOT_IDS = { botMentionIds: ['U0LAN0Z89', '712020:agent-account'] };

/** CPU milliseconds `work` takes in this process (user + system), whatever else the machine is doing. */
function cpuMs(work: () => unknown): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** `unit` repeated (and cut) to `size` characters, optionally after a prefix. */
const fill = (size: number, unit: string, prefix = '') => prefix + unit.repeat(Math.ceil((size - prefix.length) / unit.length)).slice(0, Math.max(0, size - prefix.length));

const ADVERSARIAL: Array<[string, (size: number) => string]> = [
  ['@agent + spaces', (n) => fill(n, ' ', '@agent')],
  ['@agent + tabs and spaces, then a word', (n) => `${fill(n - 4, ' \t', '@agent')}new`],
  ['spaces only', (n) => fill(n, ' ')],
  ['repeated trigger phrases', (n) => fill(n, '@agent ')],
  ['repeated triggers without a space', (n) => fill(n, '@agent@agent-')],
  ['@agent + repeated "in a new"', (n) => fill(n, 'in a new ', '@agent ')],
  ['@agent + repeated "new" and dashes', (n) => fill(n, 'new - -  ', '@agent ')],
  ['@agent + repeated "new conversation"', (n) => fill(n, 'start a new conversation ', '@agent ')],
  ['nested quotes', (n) => fill(n, '> ')],
  ['quoted triggers', (n) => fill(n, '> > @agent fix\n')],
  ['Slack-escaped quotes', (n) => fill(n, '&gt; ')],
  ['code fences', (n) => fill(n, '```')],
  ['unclosed fence then triggers', (n) => fill(n, '@agent ', '```\n')],
  ['inline code ticks', (n) => fill(n, '`@agent `')],
  ['Jira code blocks', (n) => fill(n, '{code:')],
  ['Jira quote blocks', (n) => fill(n, '{quote}{noformat:x')],
  ['Slack mentions without ">"', (n) => fill(n, '<@U0LAN0Z89|')],
  ['Slack mentions', (n) => fill(n, '<@U0LAN0Z89> ')],
  ['Jira mentions without "]"', (n) => fill(n, '[~accountid:712020:agent-account')],
  ['Slack entities', (n) => fill(n, '&amp;lt;', '@agent analyze ')],
  ['leading separators', (n) => fill(n, ':,;.!- ', '@agent')],
];

function event(parsed: ParsedDelivery) {
  if (parsed.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(parsed).slice(0, 300)}`);
  return parsed.event;
}

const delivery = (headers: Record<string, string>, body: unknown): RawDelivery => ({ headers, rawBody: '', body });

/** One provider's whole path over a text: parse the delivery, match a command, render its template. */
const PIPELINES: Record<string, (text: string) => unknown> = {
  github: (text) => {
    const body = fixture('github/issue_comment.created.json');
    body.comment.body = text;
    return builtin('github', github.parseDelivery(delivery({ 'x-github-event': 'issue_comment' }, body)));
  },
  'slack app_mention': (text) => {
    const body = fixture('slack/app_mention.json');
    body.event.text = text;
    return builtin('slack', slack.parseDelivery(delivery({}, body)));
  },
  'slack slash command': (text) => {
    const raw = readFileSync(new URL('slack/slash_command.txt', FIXTURES), 'utf8');
    const body = { ...Object.fromEntries(new URLSearchParams(raw)), text };
    return builtin('slack', slack.parseDelivery(delivery({}, body)));
  },
  'jira wiki markup': (text) => {
    const body = fixture('jira/comment_created.json');
    body.comment.body = text;
    return builtin('jira', jira.parseDelivery(delivery({}, body)));
  },
  'jira ADF, nested quotes': (text) => {
    const body = fixture('jira/comment_created.json');
    // Quotes nested 200 deep around the text: flattening must not copy the text once per level.
    let node: Record<string, unknown> = { type: 'paragraph', content: [{ type: 'text', text }] };
    for (let i = 0; i < 200; i++) node = { type: 'blockquote', content: [node, { type: 'paragraph', content: [{ type: 'text', text: '@agent\n' }] }] };
    body.comment.body = { type: 'doc', version: 1, content: [node] };
    return builtin('jira', jira.parseDelivery(delivery({}, body)));
  },
  sentry: (text) => {
    const body = fixture('sentry/event_alert_triggered.json');
    body.data.event.title = text;
    body.data.event.web_url = `https://sentry.io/organizations/${text.slice(0, 1000)}`;
    return builtin('sentry', sentry.parseDelivery(delivery({ 'sentry-hook-resource': 'event_alert', 'request-id': 'r1' }, body)));
  },
  'dynamic conditions': (text) => {
    const payload = { event_type: 'deploy.failed', title: text, text, nested: { list: [text] } };
    const leaf = (op: Condition & { path: string }) => op;
    const conditions: Condition = {
      any: [
        leaf({ path: 'payload.title', op: 'matches', value: '.*.*.*.*x' }),
        leaf({ path: 'payload.title', op: 'matches', value: '\\s*\\s*\\s*\\s*$' }),
        leaf({ path: 'payload.title', op: 'matches', value: '(a+)+$' }),
        leaf({ path: 'payload.title', op: 'contains', value: `${text.slice(0, 200)}!` }),
        leaf({ path: 'payload.nested.list', op: 'contains', value: 'x' }),
        leaf({ path: 'payload.title', op: 'equals', value: 'x' }),
        { not: leaf({ path: 'event.text', op: 'exists' }) },
      ],
    };
    const command: Rule = {
      command_id: 'c1', name: 'triage', triggers: ['*'], aliases: [], description: 'triage', conditions, action: 'create_task', agent: null,
      template: 'Deploy failed: {{title}} {{user_content}}', options: {}, priority: 1, permissions: { permission_mode: 'default' }, needs_approval: false,
      stop_after_match: false, enabled: true, schedule: null, source: 'user',
    };
    const e = genericEvent({ 'content-type': 'application/json' }, payload);
    const route = { provider: 'generic', webhookId: 'wh', addressing: 'every' as const, triggerPhrase: '@agent', defaultCommand: '', autoTriggers: {}, commands: [command] };
    const { matched } = matchRoute(e, route);
    return [matched.length, evaluate(conditions, { payload, headers: {}, event: { type: 'x', provider: 'generic', text, actor: null } }).ok];
  },
};

function builtin(provider: keyof typeof BUILTIN_RULE_SETS, parsed: ParsedDelivery) {
  const e = event(parsed);
  const result = matchCommand(e, BUILTIN_RULE_SETS[provider], BOT_IDS);
  if (!result.matched) return result.reason;
  return renderTemplate(result.command.template, { payload: e.payload, user_content: result.userContent, provider, task_id: 't' }).length;
}

/** The user regexes the issue found backtracking, on the inputs it named: they passed the old save-time check. */
const ISSUE_REGEXES: Array<[string, string, boolean]> = [
  ['.*.*.*.*x', 'a'.repeat(300), false],
  ['\\s*\\s*\\s*\\s*$', `${' '.repeat(200)}x`, true], // matches the empty string at the end, after backtracking
];

describe('user regexes that passed the old save-time check no longer backtrack', () => {
  for (const [pattern, text, matches] of ISSUE_REGEXES) {
    it(`${pattern} over ${text.length} characters`, () => {
      const condition: Condition = { path: 'payload.title', op: 'matches', value: pattern };
      let result: { ok: boolean } | undefined;
      const ms = cpuMs(() => (result = evaluate(condition, { payload: { title: text }, headers: {}, event: { type: 'x', provider: 'generic', text: '', actor: null } })));
      expect(result?.ok).toBe(matches);
      expect(ms, `${pattern} took ${Math.round(ms)} ms`).toBeLessThan(BOUND_MS);
    });
  }
});

describe('matching is linear in the text: 1 MiB adversarial input answers well under a second', () => {
  for (const [name, pipeline] of Object.entries(PIPELINES)) {
    it(name, () => {
      const slow: string[] = [];
      for (const [label, make] of ADVERSARIAL) {
        for (const size of SIZES) {
          const text = make(size);
          const ms = cpuMs(() => pipeline(text));
          if (ms > BOUND_MS) {
            slow.push(`${label} (${size} chars): ${Math.round(ms)} ms`);
            break; // a larger size would only take longer (quadratically so): stop here
          }
        }
      }
      expect(slow).toEqual([]);
    });
  }
});
