// Vitest globalSetup: the service's sources transpiled once, before any test file runs, so that tests which start the
// service as a process of its own (service-process.ts, cluster.ts) start plain JavaScript instead of loading tsx and
// transforming every module again in each process (about 2.5× the start-up CPU on the 2-core test machine). The
// transform is esbuild's, the same that tsx applies; type checking is `npm run typecheck`'s job, not this one's.
// The output lies under node_modules/.cache inside the project, so projectRoot (src/paths.ts) and package imports
// resolve as from src/ or dist/src/.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from '../../src/paths.js';
import { isAlive } from '../../src/worker/process-tree.js';

/** The variable that tells test support which compiled main.js to start; unset (bench, plain scripts): tsx. */
export const SERVICE_MAIN_ENV = 'CCA_TEST_SERVICE_MAIN';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return sources(file);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [file] : [];
  });
}

export default async function setup(): Promise<() => void> {
  // One folder per vitest run: a run never replaces files that another run's processes are loading. Folders of runs
  // that were killed before their teardown (their pid gone) are removed here.
  const cache = path.join(projectRoot, 'node_modules', '.cache', 'test-service');
  for (const name of fs.existsSync(cache) ? fs.readdirSync(cache) : []) {
    const pid = Number(/^run-(\d+)$/.exec(name)?.[1]);
    if (pid && !isAlive(pid)) fs.rmSync(path.join(cache, name), { recursive: true, force: true });
  }
  const outRoot = path.join(cache, `run-${process.pid}`);
  fs.rmSync(outRoot, { recursive: true, force: true });
  await build({
    entryPoints: sources(path.join(projectRoot, 'src')),
    outdir: path.join(outRoot, 'src'),
    outbase: path.join(projectRoot, 'src'),
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  process.env[SERVICE_MAIN_ENV] = path.join(outRoot, 'src', 'main.js');
  return () => fs.rmSync(outRoot, { recursive: true, force: true });
}
