import { describe, expect, it } from 'vitest';
import { type Condition, type ConditionContext, evaluate, regexBudget, regexProblem, validateConditions } from './conditions.js';

const ctx: ConditionContext = {
  payload: { action: 'opened', issue: { number: 12, title: 'Crash on login', labels: [{ name: 'bug' }, { name: 'p1' }] }, sender: { login: 'octocat' } },
  headers: { 'x-github-event': 'issues' },
  event: { type: 'issues.opened', provider: 'github', text: 'Crash on login', actor: { name: 'octocat' } },
};

describe('conditions', () => {
  it('evaluates each operator and explains the deciding leaf', () => {
    const cases: Array<[Condition, boolean]> = [
      [{ path: 'payload.action', op: 'equals', value: 'opened' }, true],
      [{ path: 'payload.issue.number', op: 'equals', value: '12' }, true],
      [{ path: 'payload.action', op: 'not_equals', value: 'closed' }, true],
      [{ path: 'payload.sender.login', op: 'in', value: ['octocat', 'hubot'] }, true],
      [{ path: 'payload.issue.title', op: 'contains', value: 'login' }, true],
      [{ path: 'payload.issue.labels.0.name', op: 'equals', value: 'bug' }, true],
      [{ path: 'payload.issue.title', op: 'matches', value: '^crash', flags: 'i' }, true],
      [{ path: 'payload.issue.assignee', op: 'exists' }, false],
      [{ path: 'payload.issue.assignee', op: 'exists', value: false }, true],
      [{ path: 'headers.x-github-event', op: 'equals', value: 'issues' }, true],
      [{ path: 'event.type', op: 'equals', value: 'issues.opened' }, true],
      [{ all: [{ path: 'payload.action', op: 'equals', value: 'opened' }, { path: 'payload.issue.labels.1.name', op: 'equals', value: 'p2' }] }, false],
      [{ any: [{ path: 'payload.action', op: 'equals', value: 'closed' }, { path: 'payload.issue.labels.1.name', op: 'equals', value: 'p1' }] }, true],
      [{ not: { path: 'payload.action', op: 'equals', value: 'opened' } }, false],
    ];
    for (const [condition, expected] of cases) {
      expect(validateConditions(condition), JSON.stringify(condition)).toEqual([]);
      expect(evaluate(condition, ctx).ok, JSON.stringify(condition)).toBe(expected);
    }
    expect(evaluate({ path: 'payload.issue.labels.1.name', op: 'equals', value: 'p2' }, ctx).why).toBe(
      'payload.issue.labels.1.name equals "p2" fails (value: "p1")',
    );
  });

  it('refuses malformed conditions at save time, naming where', () => {
    expect(validateConditions({ path: 'issue.title', op: 'equals', value: 'x' })).toEqual([
      'conditions.path: must be a dot path starting with payload., headers. or event. (e.g. payload.issue.title)',
    ]);
    expect(validateConditions({ path: 'payload.a', op: 'eval', value: '1' })[0]).toContain('conditions.op: must be one of');
    expect(validateConditions({ all: [{ path: 'payload.a', op: 'in', value: 'x' }] })).toEqual([
      'conditions.all[0].value: "in" needs a non-empty list of strings, numbers or booleans',
    ]);
    expect(validateConditions({ any: [] })).toEqual(['conditions.any: must be a non-empty list']);
    expect(validateConditions({ path: 'payload.a', op: 'equals', value: { $where: 'x' } })[0]).toContain('needs a string');
    expect(validateConditions({ path: 'payload.a', op: 'equals', value: 1, code: 'x' })[0]).toContain('unknown field "code"');
    expect(validateConditions('payload.a == 1')[0]).toContain('must be an object');
    let deep: Condition = { path: 'payload.a', op: 'exists' };
    for (let i = 0; i < 10; i++) deep = { not: deep };
    expect(validateConditions(deep).join()).toContain('nested deeper');
    expect(validateConditions({ all: Array.from({ length: 60 }, () => ({ path: 'payload.a', op: 'exists' })) }).join()).toContain('more than 50');
  });

  it('runs regular expressions on RE2: patterns that backtrack in JavaScript are accepted and answered', () => {
    // These were refused by the old hand-written check; RE2 runs each in time linear in the text.
    for (const p of ['(a+)+$', '(\\w*)*x', '(a|aa)+(b+)+', '([a-z]+){2,}', '(x+x+)+y', '((ab)*)+', '.*.*.*.*x', '\\s*\\s*\\s*\\s*$']) {
      expect(regexProblem(p), p).toBeUndefined();
    }
    const title = (t: string) => ({ ...ctx, payload: { title: t } });
    expect(evaluate({ path: 'payload.title', op: 'matches', value: '(a+)+$' }, title(`${'a'.repeat(5000)}b`)).ok).toBe(false);
    expect(evaluate({ path: 'payload.title', op: 'matches', value: '^crash', flags: 'i' }, title('CRASH on login')).ok).toBe(true);
    expect(evaluate({ path: 'payload.title', op: 'matches', value: '^b', flags: 'm' }, title('a\nb')).ok).toBe(true);
    expect(evaluate({ path: 'payload.title', op: 'matches', value: 'a.b', flags: 's' }, title('a\nb')).ok).toBe(true);
    expect(evaluate({ path: 'payload.title', op: 'matches', value: 'a.b' }, title('a\nb')).ok).toBe(false);
    // JavaScript spellings RE2 lacks are translated.
    expect(evaluate({ path: 'payload.title', op: 'matches', value: '^caf\\u00e9$' }, title('café')).ok).toBe(true);
    expect(evaluate({ path: 'payload.title', op: 'matches', value: '(?<id>P[0-3])' }, title('[P1] down')).ok).toBe(true);
  });

  it('refuses what RE2 cannot run, naming the construct, and invalid or overlong patterns', () => {
    expect(regexProblem('(a)\\1')).toContain('back-references');
    expect(regexProblem('(?<x>a)\\k<x>')).toContain('back-references');
    for (const look of ['foo(?=bar)', 'foo(?!bar)', '(?<=a)b', '(?<!a)b']) expect(regexProblem(look), look).toContain('lookahead and lookbehind');
    expect(regexProblem('\\(?=x')).toBeUndefined(); // an optional literal "(" then "=x": no lookahead here
    expect(regexProblem('(unclosed')).toContain('not a valid regular expression: missing closing )');
    expect(regexProblem('a'.repeat(201))).toContain('longer than 200');
    for (const good of ['^fix(es)?:', 'bug|crash', '[a-z]+-\\d+', '(foo|bar)+', '^\\[(P[0-3])\\]', 'a{2,5}b']) expect(regexProblem(good), good).toBeUndefined();
    expect(validateConditions({ path: 'payload.t', op: 'matches', value: '(a)\\1' })[0]).toContain('conditions.value: back-references');
  });

  it('reads at most 64 KiB of a value, and 1 MiB of text per delivery', () => {
    const long = `${'x'.repeat(64 * 1024)}needle`;
    expect(evaluate({ path: 'payload.t', op: 'matches', value: 'needle' }, { ...ctx, payload: { t: long } }).ok).toBe(false);
    expect(evaluate({ path: 'payload.t', op: 'contains', value: 'needle' }, { ...ctx, payload: { t: long } }).ok).toBe(true);
    const leaf: Condition = { path: 'payload.t', op: 'matches', value: 'x$' };
    const big = { ...ctx, payload: { t: 'x'.repeat(64 * 1024) } };
    const budget = { left: 100 * 1024 }; // what regexBudget() gives, 1 MiB, made small to stay quick
    expect(evaluate(leaf, big, budget).ok).toBe(true);
    expect(evaluate(leaf, big, budget)).toMatchObject({ ok: false, why: expect.stringContaining('not evaluated') });
    expect(regexBudget()).toEqual({ left: 1024 * 1024 });
    expect(evaluate(leaf, big).ok).toBe(true); // a fresh evaluation has a fresh budget
  });

  it('a stored pattern RE2 cannot run fails its condition, saying why, instead of failing the delivery', () => {
    const r = evaluate({ path: 'payload.issue.title', op: 'matches', value: 'Crash(?= on)' }, ctx);
    expect(r).toMatchObject({ ok: false, why: expect.stringContaining('cannot run: lookahead and lookbehind') });
  });

  it('never reads past the payload or runs anything', () => {
    expect(evaluate({ path: 'payload.constructor.name', op: 'exists' }, ctx).ok).toBe(false);
    expect(evaluate({ path: 'payload.__proto__', op: 'exists' }, ctx).ok).toBe(false);
  });
});

describe('conditions over hostile values', () => {
  it('explain a value nested too deeply to print without failing the delivery', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const r = evaluate({ path: 'payload.deep', op: 'equals', value: 'x' }, { ...ctx, payload: { deep } });
    expect(r).toMatchObject({ ok: false, why: expect.stringContaining('(nested too deeply to show)') });
  });
});
