import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mirrorPath, syncMirror } from './repo-mirror.js';

const run = promisify(execFile);
const GIT_TIMEOUT_MS = 120_000;

/** What a task clones into its workspace: any provider's repository (providers' adapters build these). */
export interface CheckoutSource {
  /** Clone URL, no credentials in it. */
  url: string;
  /**
   * A short-lived credential minted by the service for this checkout (e.g. a GitHub App installation token), sent
   * as git's `http.extraHeader` for the clone and fetch only: never written to .git/config, never seen by the child.
   */
  authorization?: string;
  /** Fetched after the clone and checked out: the pull/merge request's head. */
  ref?: { fetch: string; local: string };
  /** 'owner/repo PR #12': how the task log names what was checked out. */
  label: string;
  /** Values to cut out of any git error text before it is shown (the token). */
  secrets: string[];
}

/** One mirror per repository URL, whatever pull request a task is about: its readable name. */
function mirrorName(source: CheckoutSource): string {
  return source.url.replace(/\.git$/, '').split('/').slice(-2).join('-');
}

/** The service-owned bare mirror a source is checked out from (DATA_DIR/mirrors/…); it exists once a task cloned it. */
export function mirrorOf(dataDir: string, source: CheckoutSource): string {
  return mirrorPath(dataDir, source.url, mirrorName(source));
}

/** The full commit a fresh checkout is at; read before the run starts, while nothing but git has touched it. */
export async function checkedOutCommit(cwd: string): Promise<string> {
  const { stdout } = await run('git', ['rev-parse', 'HEAD'], { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeout: GIT_TIMEOUT_MS });
  return stdout.trim();
}

/**
 * Clones a source into the (empty) workspace and checks out its ref. The repository is cloned once into a mirror
 * under DATA_DIR/mirrors and fetched for every later task; the workspace is a local clone of the mirror. It copies
 * the objects rather than hard-linking or borrowing them (`--shared`): a run may write anything in its workspace, and
 * must not reach the mirror every other task is checked out from. The credential reaches git through its environment
 * for the mirror's fetches only (GIT_CONFIG_* → an http.extraHeader): nothing is written to any git config, and the
 * Claude Code child, which starts afterwards, never sees it.
 */
export async function cloneSource(cwd: string, source: CheckoutSource, dataDir: string): Promise<string> {
  const plainEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', GIT_TERMINAL_PROMPT: '0' };
  const env: Record<string, string> = source.authorization
    ? { ...plainEnv, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: ${source.authorization}` }
    : plainEnv;
  const gitIn = (withCredential: boolean) => (args: string[], dir: string) =>
    run('git', args, { cwd: dir, env: withCredential ? env : plainEnv, timeout: GIT_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 });
  const git = (args: string[], dir = cwd) => gitIn(false)(args, dir);
  const extraRef = source.ref ? `refs/${source.ref.fetch.replace(/^refs\//, '')}` : undefined;
  try {
    const mirror = await syncMirror(gitIn(true), dataDir, source.url, mirrorName(source), extraRef);
    await git(['clone', '--quiet', '--no-hardlinks', mirror, '.']);
    await git(['remote', 'set-url', 'origin', source.url]);
    if (source.ref && extraRef) {
      await git(['fetch', '--quiet', mirror, `${extraRef}:${source.ref.local}`]);
      await git(['checkout', '--quiet', source.ref.local]);
    }
  } catch (err) {
    let message = String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim().split('\n').slice(-3).join(' ');
    for (const secret of [...source.secrets, source.authorization ?? '']) if (secret) message = message.split(secret).join('[REDACTED]');
    throw new Error(`could not check out ${source.label}: ${message}`);
  }
  const { stdout } = await git(['rev-parse', '--short', 'HEAD']);
  return `${source.label} at ${stdout.trim()}`;
}
