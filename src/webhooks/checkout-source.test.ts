import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import type { TaskRow } from '../storage/schema.js';
import { checkoutSources } from './checkout-source.js';

const task = (source: string, target: unknown) => ({ source, source_metadata: JSON.stringify({ target }) }) as TaskRow;

describe('checkoutSources: what a webhook task clones, asked of its provider', () => {
  const config = loadConfig({ GITHUB_TOKEN: 'ghp_x', GITHUB_CLONE_URL: 'https://git.example.com' });
  const sourceOf = checkoutSources(config, {});

  it('a GitHub pull request: the repository, its head, GITHUB_TOKEN as the credential', async () => {
    const source = await sourceOf(task('github', { provider: 'github', owner: 'o', repo: 'r', issueNumber: 7, isPullRequest: true }));
    expect(source).toMatchObject({ url: 'https://git.example.com/o/r.git', ref: { fetch: 'pull/7/head', local: 'pr-7' }, label: 'o/r PR #7', secrets: ['ghp_x'] });
    expect(source?.authorization).toBe(`Basic ${Buffer.from('x-access-token:ghp_x').toString('base64')}`);
  });

  it('nothing for a provider without repositories, a task from elsewhere, or unreadable metadata', async () => {
    expect(await sourceOf(task('jira', { provider: 'jira', issueKey: 'P-1' }))).toBeUndefined();
    expect(await sourceOf({ source: 'dashboard', source_metadata: null } as TaskRow)).toBeUndefined();
    expect(await sourceOf({ source: 'github', source_metadata: '{not json' } as TaskRow)).toBeUndefined();
    expect(await sourceOf(task('github', { provider: 'nope' }))).toBeUndefined();
  });

  it('GITHUB_CHECKOUT=false: no checkout', async () => {
    const off = checkoutSources(loadConfig({ GITHUB_TOKEN: 'ghp_x', GITHUB_CHECKOUT: 'false' }), {});
    expect(await off(task('github', { provider: 'github', owner: 'o', repo: 'r', issueNumber: 1, isPullRequest: false }))).toBeUndefined();
  });
});
