/**
 * The service (API role: routes, storage, no worker) over a seeded database, listening on a port of its own in a
 * process of its own (forked by bench/analytics.ts), so its memory is its own and the load comes over real HTTP.
 * Messages: `{ type: 'peak' }` answers the largest RSS sampled since the previous `peak` (every 10 ms) and the RSS now,
 * `{ type: 'profile', ms }` records a CPU profile (node:inspector) for that long into the given file.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createServices } from '../src/services.js';

const { DATA_DIR, BENCH_SQLITE_FILE, DATABASE_URL, DATABASE_SCHEMA } = process.env;
// No API rate limit: the bench calls one client's way faster than 1,200 a minute on a quiet machine.
const config = loadConfig({ DATA_DIR: DATA_DIR!, LOG_LEVEL: 'silent', PORT: '0', RATE_LIMIT_API_PER_MINUTE: '0', ...(DATABASE_URL ? { DATABASE_URL, DATABASE_SCHEMA: DATABASE_SCHEMA! } : {}) });
const { openStorage } = await import('../src/storage/db.js');
const storage = DATABASE_URL ? undefined : await openStorage({ sqliteFile: BENCH_SQLITE_FILE! });
const services = await createServices(config, { role: 'api', ...(storage ? { storage } : {}) });
const { app } = await buildApp(services);
const url = await app.listen({ host: '127.0.0.1', port: 0 });
// Budgets as a team would have them, so the summary and admission read them.
for (const payload of [
  { scope: 'global', limit_usd: 500 },
  { scope: 'source', key: 'github', limit_usd: 200 },
  { scope: 'requester', key: 'slack:U1000', limit_usd: 20 },
  { scope: 'task', limit_usd: 5 },
]) {
  await app.inject({ method: 'POST', url: '/api/budgets', payload });
}

let peak = process.memoryUsage.rss();
setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10).unref();

process.on('message', async (m: { type: string; ms?: number; file?: string }) => {
  if (m.type === 'peak') {
    const now = process.memoryUsage.rss();
    const value = Math.max(peak, now);
    peak = now;
    process.send!({ type: 'peak', rss: value, now });
  } else if (m.type === 'profile') {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    process.send!({ type: 'profiling' });
    await new Promise((r) => setTimeout(r, m.ms));
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(m.file!, JSON.stringify(profile));
    session.disconnect();
    process.send!({ type: 'profiled' });
  } else if (m.type === 'close') {
    await app.close();
    await services.close(2000);
    process.exit(0);
  }
});
process.send!({ type: 'ready', url });
