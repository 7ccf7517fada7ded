import { spawnSync } from 'node:child_process';

const required = /^(1|true)$/i.test(process.env.REQUIRE_SERVICES ?? '');

/**
 * Whether bubblewrap can run here (runs are sandboxed by default, and the sandbox tests need it). Missing: those tests
 * skip with a message, or fail under REQUIRE_SERVICES=1 (.ci/run installs it).
 */
export const hasBwrap: boolean = (() => {
  const probe = spawnSync('bwrap', ['--ro-bind', '/', '/', '--unshare-pid', '--proc', '/proc', '--dev', '/dev', '--', 'true'], { stdio: 'ignore', timeout: 20_000 });
  if (probe.status === 0) return true;
  const message = `bubblewrap (bwrap) cannot run here (${probe.error?.message ?? `exit ${probe.status}`})`;
  if (required) throw new Error(`${message}, and REQUIRE_SERVICES=1 forbids skipping (apt-get install bubblewrap; see .ci/run)`);
  console.warn(`SKIP: ${message}; tests of the sandbox are skipped (set REQUIRE_SERVICES=1 to make this a failure).`);
  return false;
})();
