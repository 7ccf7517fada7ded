import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import type { Repositories } from '../src/storage/repositories/index.js';
import { ZERO_TOTALS } from '../src/storage/repositories/claude-sessions.js';
import { pruneOnce } from '../src/storage/retention.js';
import { pruneClaudeState, pruneOldDirs } from '../src/worker/claude-state.js';
import { STORAGE_DIALECTS, testDatabase } from './support/test-database.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 29);
const OLD = NOW - 40 * DAY;
const RECENT = NOW - 2 * DAY;
const log = createLogger({ LOG_LEVEL: 'silent', secretValues: [] });
// Transcripts with a large value both share (kept once) and one each: the old one's is pruned with it.
const SHARED = `the system prompt every session repeats\n${'x'.repeat(3000)}`;
const OLD_TRANSCRIPT = `${JSON.stringify({ type: 'attachment', uuid: 'u1', shared: { prompt: SHARED }, own: `old ${'o'.repeat(3000)}` })}\nold transcript\n`;
const NEW_TRANSCRIPT = `${JSON.stringify({ type: 'attachment', uuid: 'u2', shared: { prompt: SHARED }, own: `new ${'n'.repeat(3000)}` })}\nnew transcript\n`;

for (const dialect of STORAGE_DIALECTS) {
  describe.skipIf(dialect.skip)(`retention (RETENTION_DAYS) on ${dialect.name}`, () => {
    let repos: Repositories;
    const db = testDatabase(dialect.name, 'cca-retention-');

    beforeAll(async () => {
      ({ repos } = await db.openRepositories());
      for (const [id, at] of [['task_old', OLD], ['task_new', RECENT]] as const) {
        await repos.tasks.create({ task_id: id, session_id: 's', source: 'test', input_message: 'x', status: 'completed', output: `output of ${id}` } as never, at);
        await repos.events.append([1, 2, 3].map((seq) => ({ task_id: id, seq, type: 'task.output', item: { kind: 'status', message: `${id} ${seq}` }, created_at: at + seq })));
      }
      await repos.claudeSessions.save('sess_old', null, OLD_TRANSCRIPT, { ...ZERO_TOTALS, total_cost_usd: 1.5 }, OLD);
      await repos.claudeSessions.save('sess_new', null, NEW_TRANSCRIPT, ZERO_TOTALS, RECENT);
      for (const [id, at] of [['whe_old', OLD], ['whe_new', RECENT]] as const) {
        const delivery = { event_id: id, webhook_id: null, provider: 'github', event_type: 'issue_comment', delivery_id: id, dedup_key: null };
        await repos.webhookEvents.insert({ ...delivery, headers: {}, payload: '{}', verified: true, verification_error: null, outcome: 'ignored', status_code: 200 }, at);
      }
    });
    afterAll(() => db.close());

    it('keeps everything with RETENTION_DAYS=0', async () => {
      expect(await pruneOnce({ repos, log, days: 0 }, NOW)).toEqual({ events: 0, transcripts: 0, transcript_parts: 0, deliveries: 0, files: 0 });
      expect(await repos.events.listAfter('task_old', 0, 10)).toHaveLength(3);
    });

    it('prunes events, transcripts and webhook deliveries older than N days; tasks, outputs and session totals stay', async () => {
      expect(await pruneOnce({ repos, log, days: 30 }, NOW)).toEqual({ events: 3, transcripts: 1, transcript_parts: 1, deliveries: 1, files: 0 });
      expect(await repos.webhookEvents.get('whe_old')).toBeUndefined();
      expect((await repos.webhookEvents.get('whe_new'))?.event_id).toBe('whe_new');
      expect(await repos.events.listAfter('task_old', 0, 10)).toEqual([]);
      expect((await repos.events.listAfter('task_new', 0, 10)).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(await repos.claudeSessions.get('sess_old')).toBeUndefined();
      expect((await repos.claudeSessions.totals('sess_old')).total_cost_usd).toBe(1.5);
      expect(await repos.claudeSessions.get('sess_new')).toBe(NEW_TRANSCRIPT); // its parts, shared ones too, stay
      expect((await repos.tasks.get('task_old'))?.output).toBe('output of task_old');
      // Pruning again finds nothing more.
      expect(await pruneOnce({ repos, log, days: 30 }, NOW)).toEqual({ events: 0, transcripts: 0, transcript_parts: 0, deliveries: 0, files: 0 });
    });
  });
}

describe('retention of Claude state on disk', () => {
  it('removes state directories older than the cutoff, except a running task\'s', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-retention-state-'));
    const config = loadConfig({ DATA_DIR: dataDir });
    const root = path.join(dataDir, 'claude-state');
    for (const id of ['task_gone', 'task_running', 'task_recent']) fs.mkdirSync(path.join(root, id, 'home', '.claude', 'projects'), { recursive: true });
    const old = new Date(OLD);
    for (const id of ['task_gone', 'task_running']) fs.utimesSync(path.join(root, id), old, old);
    const removed = await pruneClaudeState(config, NOW - 30 * DAY, async (id) => id === 'task_running');
    expect(removed).toBe(1);
    expect(fs.readdirSync(root).sort()).toEqual(['task_recent', 'task_running']);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('removes workspaces older than the cutoff, except a running task\'s, and leaves files beside them', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-retention-workspaces-'));
    for (const id of ['task_gone', 'task_running', 'task_recent']) fs.mkdirSync(path.join(root, id, 'src'), { recursive: true });
    fs.writeFileSync(path.join(root, 'not-a-workspace'), 'x');
    const old = new Date(OLD);
    for (const id of ['task_gone', 'task_running']) fs.utimesSync(path.join(root, id), old, old);
    fs.utimesSync(path.join(root, 'not-a-workspace'), old, old);
    expect(await pruneOldDirs(root, NOW - 30 * DAY, async (id) => id === 'task_running')).toBe(1);
    expect(fs.readdirSync(root).sort()).toEqual(['not-a-workspace', 'task_recent', 'task_running']);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
