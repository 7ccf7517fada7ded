import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { ClaudeState } from './claude-state.js';
import { childEnv } from './child-env.js';
import type { ClaudeRunSpec } from './claude-run.js';
import { proxyEnv, relayArgv, SOCKET_IN_SANDBOX } from './sandbox-egress.js';

/**
 * The sandbox every Claude Code child runs in (bubblewrap). A run sees a read-only system, the Claude Code package,
 * the registry's agent home, its own workspace and its own Claude state (both writable), a private /tmp and a fresh
 * /proc of its own PID namespace — and nothing else: not the service's processes or environment, not DATA_DIR (the
 * database, other workspaces, other runs' state), not the project directory, not the service user's HOME.
 */

export type SandboxSetting = 'auto' | 'bwrap' | 'off';

export interface SandboxStatus {
  mode: 'bwrap' | 'off';
  requested: SandboxSetting;
  bwrapPath?: string;
  /** Why runs are not sandboxed (mode `off`). */
  reason?: string;
  /** Set when egress is restricted (SANDBOX_ALLOWED_HOSTS): the service's egress proxy socket (sandbox-egress.ts). */
  egressSocket?: string;
}

/** Runs as the service's user, for Workers assembled without a sandbox decision (benchmarks, some tests). */
export const UNSANDBOXED: SandboxStatus = { mode: 'off', requested: 'off', reason: 'no sandbox configured for this worker' };

export class SandboxUnavailableError extends Error {
  override name = 'SandboxUnavailableError';
}

// Namespaces of their own: processes (a fresh /proc: no view of the service or other runs), System V IPC, hostname
// and cgroup view. `--new-session` keeps a run from pushing keystrokes into a terminal (TIOCSTI);
// `--die-with-parent` ends the run with the worker that started it, so a killed worker leaves no run spending alone.
// The network is shared unless SANDBOX_ALLOWED_HOSTS restricts it (sandbox-egress.ts).
const ISOLATION = ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--hostname', 'claude-run', '--die-with-parent', '--new-session', '--cap-drop', 'ALL'];

// /etc holds operator secrets (service configs, /etc/environment, npmrc, ssh host keys, shadow): only what programs
// need to resolve names, verify TLS, map users and find their libraries is shown.
const ETC_ALLOWED = [
  'alternatives',
  'bash.bashrc',
  'ca-certificates',
  'ca-certificates.conf',
  'claude-code', // Claude Code's managed settings, an operator's policy for every run
  'crypto-policies',
  'debian_version',
  'gai.conf',
  'gitconfig',
  'group',
  'host.conf',
  'hosts',
  'inputrc',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'locale.alias',
  'localtime',
  'mime.types',
  'nsswitch.conf',
  'os-release',
  'passwd',
  'pki',
  'profile',
  'protocols',
  'resolv.conf',
  'services',
  'shells',
  'ssl',
  'terminfo',
  'timezone',
];

// Merged-/usr systems have these as symlinks into /usr; older ones as directories.
const ROOT_SYSTEM_DIRS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

/** Where bwrap is: /usr/bin/bwrap, else the first `bwrap` on PATH. */
export function findBwrap(pathEnv = process.env.PATH ?? ''): string | undefined {
  const candidates = ['/usr/bin/bwrap', ...pathEnv.split(':').filter(Boolean).map((dir) => path.join(dir, 'bwrap'))];
  return candidates.find((c) => {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

/** Runs bwrap once with the namespaces a run gets; undefined when it works, else why not. */
export function probeBwrap(bwrapPath: string, ownNetwork = false): string | undefined {
  const probe = spawnSync(bwrapPath, [...ISOLATION, ...(ownNetwork ? ['--unshare-net'] : []), '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--', '/bin/sh', '-c', 'exit 0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 30_000,
    encoding: 'utf8',
  });
  if (probe.error) return probe.error.message;
  if (probe.status === 0) return undefined;
  return probe.stderr.trim() || `exit ${probe.status ?? probe.signal}`;
}

/**
 * Decides, once at start, whether runs are sandboxed. `bwrap` insists (throws when it cannot run), `auto` falls back
 * to unsandboxed runs when bwrap is missing or broken, `off` is the operator's explicit choice.
 */
export function detectSandbox(
  requested: SandboxSetting,
  deps: { find?: () => string | undefined; probe?: (bwrapPath: string, ownNetwork: boolean) => string | undefined; ownNetwork?: boolean } = {},
): SandboxStatus {
  if (requested === 'off') return { mode: 'off', requested, reason: 'SANDBOX=off' };
  const bwrapPath = (deps.find ?? findBwrap)();
  const problem = bwrapPath ? (deps.probe ?? probeBwrap)(bwrapPath, deps.ownNetwork ?? false) : 'bwrap (bubblewrap) is not installed';
  if (!problem && bwrapPath) return { mode: 'bwrap', requested, bwrapPath };
  const reason = bwrapPath ? `${bwrapPath} cannot run here: ${problem}` : problem!;
  if (requested === 'bwrap') {
    throw new SandboxUnavailableError(`SANDBOX=bwrap, but ${reason}. Install bubblewrap (apt-get install bubblewrap) and make sure it may create namespaces, or set SANDBOX=auto or off.`);
  }
  return { mode: 'off', requested, reason };
}

/** What one run may see, besides the system. */
export interface RunLayout {
  /** The task's workspace (writable; the run's working directory). */
  workspace: string;
  /** The task's own Claude state: HOME, CLAUDE_CONFIG_DIR (writable). */
  stateDir: string;
  /** The materialised registry the workspace's .claude links point into (read-only). */
  agentHome: string;
  /** The Claude Code executable, symlinks resolved. */
  claudeExecutable: string;
  /** Operator-chosen extra read-only paths (SANDBOX_READ_ONLY_PATHS). */
  readOnly?: string[];
  /** No network of its own but this socket to the egress proxy (SANDBOX_ALLOWED_HOSTS). */
  egressSocket?: string;
}

/** bwrap's arguments for one run, up to and including `--`; the Claude Code command line follows. */
export function bwrapArgs(layout: RunLayout): string[] {
  const args = [...ISOLATION, '--ro-bind', '/usr', '/usr'];
  if (layout.egressSocket) args.push('--unshare-net', '--bind', layout.egressSocket, SOCKET_IN_SANDBOX);
  for (const dir of ROOT_SYSTEM_DIRS) {
    const at = `/${dir}`;
    const stat = fs.lstatSync(at, { throwIfNoEntry: false });
    if (stat?.isSymbolicLink()) args.push('--symlink', fs.readlinkSync(at), at);
    else if (stat?.isDirectory()) args.push('--ro-bind', at, at);
  }
  for (const entry of ETC_ALLOWED) args.push('--ro-bind-try', `/etc/${entry}`, `/etc/${entry}`);
  // Private /tmp (a tmpfs of its own) first: DATA_DIR may live under /tmp, and its binds below go on top of it.
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--symlink', '../tmp', '/var/tmp');
  for (const p of readOnlyPaths(layout)) args.push('--ro-bind', p, p);
  for (const p of layout.readOnly ?? []) args.push('--ro-bind-try', p, p);
  args.push('--ro-bind-try', layout.agentHome, layout.agentHome);
  args.push('--bind', layout.workspace, layout.workspace, '--bind', layout.stateDir, layout.stateDir);
  args.push('--chdir', layout.workspace, '--remount-ro', '/', '--');
  return args;
}

/** The Claude Code package (not the project around it) and node, unless /usr already holds them. */
function readOnlyPaths(layout: RunLayout): string[] {
  // Tools a run starts (npm test, node scripts, a node-based `claude`) use the node the service runs on.
  const paths = [claudePackageOf(layout.claudeExecutable), nodeInstallOf(fs.realpathSync(process.execPath))];
  return [...new Set(paths)].filter((p) => p !== '/usr' && !p.startsWith('/usr/'));
}

/** A node installation folder (…/bin/node with its lib/node_modules, as nvm or a tarball lays it out), else node alone. */
function nodeInstallOf(executable: string): string {
  const root = path.dirname(path.dirname(executable));
  return fs.existsSync(path.join(root, 'lib', 'node_modules')) || fs.existsSync(path.join(root, 'include', 'node')) ? root : executable;
}

/**
 * The folder to show for the executable: its npm package (`@anthropic-ai/claude-code…`) when it is in one, else the
 * executable alone (a native install such as ~/.local/share/claude/versions/<v> is a single file).
 */
export function claudePackageOf(executable: string): string {
  for (let dir = path.dirname(executable); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const name = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name ?? '';
      if (name.startsWith('@anthropic-ai/claude-code')) return dir;
    } catch {
      // no package.json here
    }
    if (path.basename(dir) === 'node_modules') break;
  }
  return executable;
}

/**
 * How one run is started: in the sandbox (bwrap's argv, the CLI by its real path — node_modules/.bin is not in the
 * sandbox — a HOME in the run's state and the sandbox's own /tmp), or, unsandboxed, as the service's user with only
 * the Claude state of its own.
 */
export function launchSpec(
  status: SandboxStatus,
  run: { config: Config; claudePath: string; workspace: string; state: ClaudeState },
): Pick<ClaudeRunSpec, 'claudePath' | 'sandbox' | 'env'> {
  const { config, state } = run;
  if (status.mode !== 'bwrap' || !status.bwrapPath) return { claudePath: run.claudePath, env: childEnv(config, { configDir: state.configDir }) };
  const claudeExecutable = fs.realpathSync(run.claudePath);
  const { egressSocket } = status;
  const layout = { workspace: run.workspace, stateDir: state.root, agentHome: config.agentHome, claudeExecutable, readOnly: config.SANDBOX_READ_ONLY_PATHS, egressSocket };
  const env = childEnv(config, { configDir: state.configDir, home: state.home, tmpDir: '/tmp' });
  if (!egressSocket) return { claudePath: claudeExecutable, sandbox: [status.bwrapPath, ...bwrapArgs(layout)], env };
  // Restricted egress: the relay starts the CLI; every request, loopback included, goes through the proxy.
  for (const key of ['NO_PROXY', 'no_proxy']) delete env[key];
  return {
    claudePath: claudeExecutable,
    sandbox: [status.bwrapPath, ...bwrapArgs(layout), ...relayArgv(fs.realpathSync(process.execPath))],
    env: { ...env, ...proxyEnv() },
  };
}
