import { describe, expect, it } from 'vitest';
import {
  eventOf,
  fixture,
  GITHUB,
  githubComment,
  JIRA,
  matched,
  notMatched,
  SLACK_BOT,
} from '../../../test/support/provider-events.js';
import * as jira from '../providers/jira/parse.js';
import { findTrigger, maskUnscanned, matchCommand, matchRoute } from './matcher.js';
import { seeded } from './routes.js';
import type { Route, Rule } from './types.js';

describe('trigger phrase', () => {
  it('selects the command named after the phrase', () => {
    const m = matched(matchCommand(githubComment('@agent plan the README fix'), GITHUB));
    expect(m).toMatchObject({ command: { name: 'plan' }, userContent: 'the README fix', newConversation: false, via: 'phrase' });
    expect(m.explanation).toBe('The text says "@agent", followed by "plan", so `plan` runs.');
  });

  it('is case-insensitive, for the phrase and the command', () => {
    expect(matched(matchCommand(githubComment('Hey @Agent FIX: the typo'), GITHUB))).toMatchObject({ command: { name: 'fix' }, userContent: 'the typo' });
  });

  it('only at a word boundary', () => {
    expect(notMatched(matchCommand(githubComment('@agents fix this'), GITHUB))).toMatch(/does not mention "@agent"/);
    expect(notMatched(matchCommand(githubComment('mail me@agent.io to fix it'), GITHUB))).toMatch(/does not mention/);
    expect(notMatched(matchCommand(githubComment('@agent-smith fix this'), GITHUB))).toMatch(/does not mention/);
    expect(matched(matchCommand(githubComment('thanks, @agent.'), GITHUB)).command.name).toBe('analyze');
  });

  it('does nothing without the phrase', () => {
    expect(notMatched(matchCommand(githubComment('please fix the typo'), GITHUB))).toBe(
      'The text does not mention "@agent" outside quoted lines and code.',
    );
  });

  it('accepts aliases and says so', () => {
    const m = matched(matchCommand(githubComment('@agent investigate why CI fails'), GITHUB));
    expect(m).toMatchObject({ command: { name: 'analyze' }, userContent: 'why CI fails' });
    expect(m.explanation).toMatch(/"investigate" \(an alias of `analyze`\)/);
  });

  it('falls back to the default command with the whole remainder as the request', () => {
    const m = matched(matchCommand(githubComment('@agent why does the build break on Windows?'), GITHUB));
    expect(m).toMatchObject({ command: { name: 'analyze' }, userContent: 'why does the build break on Windows?' });
    expect(m.explanation).toMatch(/"why" is not a command, so the default command `analyze` runs/);
    expect(matched(matchCommand(githubComment('@agent'), GITHUB))).toMatchObject({ command: { name: 'analyze' }, userContent: '' });
  });

  it('uses a configured phrase', () => {
    const ruleSet = { ...JIRA, triggerPhrase: '@bot' };
    // The documented comment_created sample says "@bot please investigate".
    const e = eventOf(jira.parseDelivery({ headers: {}, rawBody: '', body: fixture('jira/comment_created.json') }));
    expect(matched(matchCommand(e, ruleSet))).toMatchObject({ command: { name: 'analyze' }, userContent: 'please investigate' });
    expect(matchCommand(e, JIRA).matched).toBe(false);
  });

  it('keeps what follows the phrase, code blocks included', () => {
    const m = matched(matchCommand(githubComment('@agent fix this crash:\n```\nTypeError: x is undefined\n```'), GITHUB));
    expect(m.userContent).toBe('this crash:\n```\nTypeError: x is undefined\n```');
  });

  it('a help request is matched like any command', () => {
    expect(matched(matchCommand(githubComment('@agent help'), GITHUB)).command).toMatchObject({ name: 'help', action: 'help' });
  });
});

describe('quotes and code are not scanned', () => {
  it('quoting a bot reply does not re-trigger', () => {
    const reply = '> Done. Reply `@agent fix` to apply it.\n> @agent fix\n\nThanks, looks good!';
    expect(notMatched(matchCommand(githubComment(reply), GITHUB))).toMatch(/outside quoted lines and code/);
  });

  it('nor does a command shown in code', () => {
    expect(matchCommand(githubComment('Use `@agent review` on PRs'), GITHUB).matched).toBe(false);
    expect(matchCommand(githubComment('```\n@agent fix\n```'), GITHUB).matched).toBe(false);
    expect(matchCommand(githubComment('{code}@agent fix{code}'), GITHUB).matched).toBe(false);
  });

  it('a real trigger after a quote still counts', () => {
    const m = matched(matchCommand(githubComment('> @agent fix\n\n@agent plan instead'), GITHUB));
    expect(m).toMatchObject({ command: { name: 'plan' }, userContent: 'instead' });
  });

  it('Slack quotes arrive HTML-escaped', () => {
    expect(maskUnscanned('&gt; <@U0LAN0Z89> analyze\nok')).toBe(' '.repeat('&gt; <@U0LAN0Z89> analyze'.length) + '\nok');
    expect(findTrigger('&gt; <@U0LAN0Z89> analyze', '@agent', [SLACK_BOT])).toBeNull();
  });
});

describe('new conversation', () => {
  it('is flagged and removed from the request', () => {
    const m = matched(matchCommand(githubComment('@agent new conversation review the auth flow'), GITHUB));
    expect(m).toMatchObject({ command: { name: 'review' }, userContent: 'the auth flow', newConversation: true });
    const r = matched(matchCommand(githubComment('@agent review the auth flow in a new conversation'), GITHUB));
    expect(r).toMatchObject({ command: { name: 'review' }, userContent: 'the auth flow', newConversation: true });
    expect(r.explanation).toMatch(/starts a fresh conversation/);
  });

  it('before the command word', () => {
    const m = matched(matchCommand(githubComment('@agent New Conversation: plan the migration'), GITHUB));
    expect(m).toMatchObject({ command: { name: 'plan' }, userContent: 'the migration', newConversation: true });
  });
});

describe('matchRoute: one matcher for a built-in route and a user webhook', () => {
  const route = (rules: Rule[], addressing: Route['addressing'] = 'phrase'): Route => ({ ...GITHUB, webhookId: addressing === 'every' ? 'wh_1' : null, addressing, commands: rules });
  const event = (text: string) => ({ ...githubComment(text), headers: {} });
  const fix = seeded(GITHUB).find((c) => c.name === 'fix')!;

  it('a built-in route runs the one rule the request names, and says why each other one did not', () => {
    const m = matchRoute(event('@agent fix the typo'), route(seeded(GITHUB)));
    expect(m.matched.map((x) => [x.rule.name, x.userContent, x.via])).toEqual([['fix', 'the typo', 'phrase']]);
    expect(m.decisions.find((d) => d.command === 'plan')).toEqual({ command: 'plan', matched: false, why: 'the request names fix' });
  });

  it("a rule's conditions and its enabled flag count on a built-in route as on a user's webhook", () => {
    const guarded = { ...fix, source: 'user' as const, conditions: { path: 'event.actor.name', op: 'equals' as const, value: 'someone-else' } };
    const others = seeded(GITHUB).filter((c) => c.name !== 'fix');
    expect(matchRoute(event('@agent fix it'), route([...others, guarded])).reason).toMatch(/but its conditions do not hold/);
    const off = matchRoute(event('@agent fix it'), route([...others, { ...fix, enabled: false }]));
    expect(off.matched[0]?.rule.name).not.toBe('fix');
  });

  it('a user webhook runs every matching rule in priority order, without a trigger phrase', () => {
    const a = { ...fix, name: 'a', priority: 20, source: 'user' as const };
    const b = { ...fix, name: 'b', priority: 10, source: 'user' as const, stop_after_match: true };
    const m = matchRoute(event('no phrase here'), route([a, b], 'every'));
    expect(m.matched.map((x) => [x.rule.name, x.via])).toEqual([['b', 'event']]);
    expect(m.decisions.map((d) => d.command)).toEqual(['b', 'a']);
  });
});
