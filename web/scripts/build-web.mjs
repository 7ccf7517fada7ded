// Builds the dashboard into web/dist with Vite.
//   --if-stale  skip the build when web/dist is newer than every source it is made from
//   --soft      a failed build warns instead of failing (postinstall: the service runs without a dashboard, and
//               `npm install` should not fail on it; the page at / then says to run `npm run build`)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isStale } from '../../scripts/stale.mjs';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rootDir = path.dirname(webDir);
const args = new Set(process.argv.slice(2));
const index = path.join(webDir, 'dist', 'index.html');

const sources = [path.join(webDir, 'src'), path.join(webDir, 'index.html'), path.join(webDir, 'vite.config.ts'), path.join(rootDir, 'src', 'contracts'), path.join(rootDir, 'src', 'domain')];

if (args.has('--if-stale') && !isStale(index, sources)) process.exit(0);

try {
  const { build } = await import('vite');
  const started = Date.now();
  await build({ root: webDir, configFile: path.join(webDir, 'vite.config.ts'), logLevel: 'warn' });
  console.log(`dashboard built into web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (err) {
  const message = `dashboard build failed: ${err instanceof Error ? err.message : String(err)}`;
  if (!args.has('--soft')) {
    console.error(message);
    process.exit(1);
  }
  console.warn(`${message}\nThe service still runs; / will say to run \`npm run build:web\`.`);
}
