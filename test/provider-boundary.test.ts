// Issue 11: "a provider is one folder" — the pipeline names no provider, and adding one (GitLab) touches its folder
// plus registration, config and docs. That was shown once with `git log --stat`; this keeps it so. Every place the
// code of src/ or web/src/ names a provider (test/support/provider-names.ts says what counts) must be in that
// provider's folder, src/webhooks/providers/<name>/, or in one of the files listed here with the reason it may.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Allowance, allows, mentionsIn, sourceFiles } from './support/provider-names.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What a change that adds a provider touches besides its folder; docs/architecture.md lists exactly these. */
const NEW_PROVIDER_TOUCHES = [
  'src/webhooks/providers/index.ts',
  'src/webhooks/providers/types.ts',
  'src/webhooks/rules/builtin-commands.ts',
  'src/contracts/webhook-commands.ts',
  'src/config/provider-settings.ts',
  'src/config/secret-files.ts',
  'src/integrations/<name>.ts',
];

/** Files outside a provider's folder that may name providers, and why. */
const ALLOWED: Allowance[] = [
  { path: 'src/webhooks/providers/<name>/', why: 'the provider\'s own folder' },
  { path: 'src/webhooks/providers/index.ts', why: 'the registration: one adapter per provider, by name' },
  { path: 'src/webhooks/providers/types.ts', why: 'PostBackTarget is the union of the providers\' target.ts members' },
  { path: 'src/webhooks/providers/adapter.ts', names: ['github'], why: 'retry options: GitHub\'s Octokit plugins apart from the other clients\' withRetry' },
  { path: 'src/webhooks/rules/builtin-commands.ts', why: 'the registration of each provider\'s built-in command table (providers/<name>/rules.ts)' },
  { path: 'src/contracts/webhook-commands.ts', why: 'the contract\'s lists of provider names and how each numbers a change request (the API and the dashboard read them)' },
  { path: 'src/config/provider-settings.ts', why: 'each provider\'s settings' },
  { path: 'src/config.ts', names: ['github', 'jira'], why: 'settings checked together (an App id needs its key; a Jira URL its credentials)' },
  { path: 'src/integrations/<name>', why: 'the provider\'s API client (an official library wrapped)' },
  { path: 'src/webhooks/providers/jira/', names: ['github'], why: 'a Jira project\'s code lives in a GitHub repository (JIRA_REPOSITORIES): checkout and code host are GitHub\'s' },
  { path: 'src/webhooks/rules/command-kits.ts', names: ['jira'], why: '"jira" is a word users type for the ticket command (`@agent jira`), an alias' },
  { path: 'web/src/features/webhooks/', names: ['github'], why: 'the dashboard\'s webhook form preselects GitHub and gives its event-type example' },
];

/**
 * Not moved into a provider's folder yet: each entry is a real switch on a provider (or a feature built on one
 * provider's API) still outside its folder. Shrink this list; never grow it.
 */
const NOT_YET_MOVED: Allowance[] = [
];

function mentions() {
  return sourceFiles(ROOT).flatMap((file) => mentionsIn(file, fs.readFileSync(path.join(ROOT, file), 'utf8')));
}

describe('what counts as naming a provider', () => {
  it('a provider\'s name as a string, an import of its folder or client, an identifier with its name; not comments or prose', () => {
    const code = [
      "import type { GitlabTarget } from '../providers/gitlab/target.js';",
      "import { retry } from '../integrations/slack.js';",
      '// a comment about GitHub and jira',
      "if (target.provider === 'sentry') throw new Error('no GitHub credentials');",
      'const host = clients.github;',
      'const ok = `github`;',
    ].join('\n');
    expect(mentionsIn('src/x.ts', code).map((m) => `${m.line} ${m.provider} ${m.what}`)).toEqual([
      '1 gitlab identifier GitlabTarget',
      '1 gitlab import ../providers/gitlab/target.js',
      '2 slack import ../integrations/slack.js',
      "4 sentry 'sentry'",
      '5 github identifier github',
      "6 github 'github'",
    ]);
  });
});

describe('a provider is one folder', () => {
  const all = mentions();

  it('no code outside src/webhooks/providers/<name>/ names a provider, except the files allowed here', () => {
    const outside = all.filter((m) => ![...ALLOWED, ...NOT_YET_MOVED].some((a) => allows(a, m)));
    expect(outside.map((m) => `${m.file}:${m.line}: ${m.provider} (${m.what})`)).toEqual([]);
  });

  it('every file allowed to name a provider still does (a stale entry is taken out)', () => {
    const stale = [...ALLOWED, ...NOT_YET_MOVED].filter((a) => !all.some((m) => allows(a, m)));
    expect(stale.map((a) => a.path)).toEqual([]);
  });

  it('each allowance says why', () => {
    expect([...ALLOWED, ...NOT_YET_MOVED].filter((a) => a.why.trim().length < 10)).toEqual([]);
  });

  it('docs/architecture.md names exactly the files a new provider touches besides its folder', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Adding a provider'));
    // The first bullet list after the sentence that says so.
    const after = section.slice(section.indexOf('touches exactly these files')).split('\n');
    const start = after.findIndex((line) => line.startsWith('- '));
    const end = after.findIndex((line, i) => i > start && !line.startsWith('- '));
    const named = after.slice(start, end).map((line) => /^- `([^`]+)`/.exec(line)?.[1]);
    expect(named.sort()).toEqual([...NEW_PROVIDER_TOUCHES].sort());
    for (const file of NEW_PROVIDER_TOUCHES.filter((f) => !f.includes('<name>'))) expect(fs.existsSync(path.join(ROOT, file)), file).toBe(true);
  });
});
