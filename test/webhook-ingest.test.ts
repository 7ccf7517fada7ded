// Durable, bounded webhook ingest, on SQLite and on PostgreSQL (+ Redis): a delivery is a duplicate only once it has
// its outcome, everything it writes is written together, replays of a signed body create nothing, outbound posts
// go only to configured hosts, unsigned posts are counted rather than kept, and the inspector's pages stay bounded.
// Every task made here waits for approval (or none is made), so no Claude Code run is needed.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGithub, type FakeProvider, startFakeGithub, startFakeSlack } from './support/fake-providers.js';
import { startHarness, type Harness } from './support/harness.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { SERVICE_SETUPS } from './support/services.js';
import { fixture, nextDeliveryId, sendBody, webhookEnv, webhookSender, type WebhookSender } from './support/send-webhook.js';
import { signGeneric } from './support/signing.js';
import { eventually } from './support/eventually.js';

let counter = 0;

/** `@agent fix` from someone with write access but no maintainer role: the task waits for approval. */
function fixRequest(issue: number, login = 'writer') {
  const payload = fixture('github/issue_comment.created.json');
  payload.comment.body = `@agent fix the bug in #${issue}`;
  payload.comment.id = 800_000 + ++counter;
  payload.comment.user.login = login;
  payload.sender.login = login;
  payload.issue.number = issue;
  return JSON.stringify(payload);
}

const dialects = SERVICE_SETUPS;

for (const dialect of dialects) {
  describe.skipIf(dialect.skip)(`webhook ingest on ${dialect.name}`, () => {
    let model: ScriptedModel;
    let github: FakeGithub;
    let slack: FakeProvider;
    /** A server nobody configured: nothing may ever be sent to it. */
    let stranger: FakeProvider;
    let h: Harness;
    let signed: WebhookSender;

    beforeAll(async () => {
      model = await startScriptedModel();
      github = await startFakeGithub({ permissions: { Codertocat: 'admin', writer: 'write', rejecter: 'write' } });
      slack = await startFakeSlack();
      stranger = await startFakeSlack();
      h = await startHarness({
        model,
        distributed: dialect.distributed,
        env: { ...webhookEnv({ github: github.url, slack: slack.url }), SLACK_BOT_USER_ID: 'U0LAN0Z89', WEBHOOK_UNVERIFIED_KEEP: '5' },
      });
      signed = webhookSender(h.url);
    });
    afterAll(async () => {
      await h?.close();
      await Promise.all([model, github, slack, stranger].map((s) => s?.close()));
    });

    const post = (p: string, body: string, headers: Record<string, string>) => sendBody(h.url, p, body, headers);
    const sendGithub = (body: string, delivery: string) => signed.githubBody('issue_comment', body, { delivery });
    const sendSlack = (body: string, contentType?: string) => signed.slackBody(body, { contentType });
    const db = () => h.services.storage.db;
    const count = async (table: 'tasks' | 'conversations' | 'conversation_messages') =>
      Number((await db().selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    const deliveries = (deliveryId: string) => db().selectFrom('webhook_events').selectAll().where('delivery_id', '=', deliveryId).orderBy('created_at').execute();
    const tasksOfIssue = async (issue: number) =>
      (await h.request('GET', '/api/tasks?limit=200')).body.tasks.filter((t: any) => t.external_id === `github:Codertocat/Hello-World#${issue}`);

    it('(finding 4) a delivery that cannot wait for the lookup (a reject) answered 503 because GitHub was slow is processed when GitHub redelivers it', async () => {
      // A task only waits for its sender's permission off the request (test/permission-wait.test.ts); an approval or
      // a rejection acts at once, so a permission GitHub is slow to give still holds that delivery, up to 3 s.
      const issue = 4001;
      const waiting = await sendGithub(fixRequest(issue), nextDeliveryId('gh'));
      expect(waiting.status).toBe(202);
      const body = fixRequest(issue, 'rejecter').replace('fix the bug in #4001', 'reject');
      const delivery = nextDeliveryId('gh');
      github.slowPermissions(60_000); // GitHub never answers while the service waits for the permission lookup (3 s)
      const started = Date.now();
      const first = await sendGithub(body, delivery);
      const waited = Date.now() - started;
      github.slowPermissions(0);
      expect(first.status).toBe(503);
      expect(first.body.error).toContain('GitHub did not answer the permission lookup in time');
      // Within the 3 s cap (a generous bound, still under GitHub's 10 s), and the lookup itself was aborted: the fake
      // saw its client hang up instead of a request left open until it answered.
      expect(waited).toBeLessThan(9_000);
      await expect.poll(() => github.abandoned.some((c) => c.path.endsWith('/collaborators/rejecter/permission'))).toBe(true);

      const again = await sendGithub(body, delivery);
      expect(again).toMatchObject({ status: 200, body: { rejected: waiting.body.task_id } });
      const rows = await deliveries(delivery);
      expect(rows.map((r) => [r.status_code, r.outcome])).toEqual([
        [503, 'unavailable'],
        [200, 'rejected'],
      ]);
      // Now that it has its outcome, it is a duplicate.
      expect(await sendGithub(body, delivery)).toMatchObject({ status: 200, body: { duplicate: true } });
    });

    /** Runs `send` while a real fault in the real database makes every insert into `table` fail. */
    async function withInsertFault<T>(table: 'tasks' | 'conversation_messages', send: () => Promise<T>): Promise<T> {
      const fn = `fail_${table}_insert`;
      if (dialect.distributed) {
        await sql.raw(`create function ${fn}() returns trigger language plpgsql as $$ begin raise exception 'injected fault: ${table} is not writable'; end $$`).execute(db());
        await sql.raw(`create trigger ${fn} before insert on ${table} for each row execute function ${fn}()`).execute(db());
      } else {
        await sql.raw(`create trigger ${fn} before insert on ${table} begin select raise(abort, 'injected fault: ${table} is not writable'); end`).execute(db());
      }
      try {
        return await send();
      } finally {
        await sql.raw(`drop trigger ${fn}` + (dialect.distributed ? ` on ${table}` : '')).execute(db());
        if (dialect.distributed) await sql.raw(`drop function ${fn}()`).execute(db());
      }
    }

    // The task row is among the first writes of a delivery (as a full disk or a lost connection would fail it); the
    // conversation message is its last: either way the delivery's writes are one transaction.
    for (const [table, issue] of [['tasks', 4002], ['conversation_messages', 4012]] as const) {
      it(`(finding 4) a 500 while storing a delivery (${table} not writable) leaves nothing half-written, and the redelivery is processed`, async () => {
        const body = fixRequest(issue);
        const delivery = nextDeliveryId('gh');
        const rows = async () => ({ tasks: await count('tasks'), conversations: await count('conversations'), messages: await count('conversation_messages') });
        const before = await rows();
        const first = await withInsertFault(table, () => sendGithub(body, delivery));
        expect(first.status).toBe(500);
        expect(await rows()).toEqual(before);
        const stored = await deliveries(delivery);
        expect(stored.map((r) => [r.outcome, r.task_id, r.dedup_key, r.body_key])).toEqual([['failed', null, null, null]]);

        const again = await sendGithub(body, delivery);
        expect(again.status).toBe(202);
        expect(await tasksOfIssue(issue)).toHaveLength(1);
      });
    }

    it('two identical deliveries at the same moment make exactly one task', async () => {
      const issue = 4003;
      const body = fixRequest(issue);
      const delivery = nextDeliveryId('gh');
      const results = await Promise.all(Array.from({ length: 4 }, () => sendGithub(body, delivery)));
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 202]);
      const accepted = results.find((r) => r.status === 202)!;
      for (const r of results.filter((x) => x.status === 200)) expect(r.body).toEqual({ duplicate: true, task_id: accepted.body.task_id });
      expect(await tasksOfIssue(issue)).toHaveLength(1);
    });

    it('the same signed body under a new delivery id is a replay: it makes no second task', async () => {
      const issue = 4004;
      const body = fixRequest(issue);
      const first = await sendGithub(body, nextDeliveryId('gh'));
      expect(first.status).toBe(202);
      const replayed = await sendGithub(body, nextDeliveryId('gh'));
      expect(replayed).toMatchObject({ status: 200, body: { duplicate: true, task_id: first.body.task_id } });
      expect(await tasksOfIssue(issue)).toHaveLength(1);
    });

    it('a generic delivery without an id is deduplicated by its body', async () => {
      const created = await h.request('POST', '/api/webhooks', { name: 'No ids', provider: 'generic', secret: 'generic-secret-1234567' });
      const id = created.body.webhook_id;
      expect((await h.request('POST', `/api/webhooks/${id}/commands`, { name: 'run', trigger: 'deploy.failed', template: 'Look at {{env}}', needs_approval: true })).status).toBe(201);
      const body = JSON.stringify({ event_type: 'deploy.failed', env: 'prod' });
      const send = () => post(`/webhooks/generic/${id}`, body, { 'x-signature-256': signGeneric('generic-secret-1234567', body) });
      const first = await send();
      expect(first.status).toBe(202);
      expect(await send()).toMatchObject({ status: 200, body: { duplicate: true, task_id: first.body.task_id } });
      const other = JSON.stringify({ event_type: 'deploy.failed', env: 'staging' });
      expect((await post(`/webhooks/generic/${id}`, other, { 'x-signature-256': signGeneric('generic-secret-1234567', other) })).status).toBe(202);
    });

    it('a 4 KB Slack event_id is stored (its key is hashed), and its retry is a duplicate', async () => {
      const payload = fixture('slack/app_mention.json');
      payload.event_id = `Ev${randomBytes(3072).toString('base64')}`; // 4 KB that PostgreSQL cannot compress into an index row
      payload.event.ts = `${Math.floor(Date.now() / 1000)}.000900`;
      payload.event.text = '<@U0LAN0Z89> help';
      const body = JSON.stringify(payload);
      const first = await sendSlack(body);
      expect(first).toMatchObject({ status: 200, body: { answered: 'help' } });
      expect((await sendSlack(body)).body).toMatchObject({ duplicate: true });
    });

    it('a slash command naming a response_url on another host is answered in the channel; that host receives nothing', async () => {
      const channel = `C${++counter}`;
      const fields = new URLSearchParams({
        team_id: 'T1', channel_id: channel, user_id: 'U2CERLKJA', user_name: 'roadrunner', command: '/agent', text: 'help',
        response_url: `${stranger.url}/respond/steal`, trigger_id: nextDeliveryId('trig'),
      });
      const res = await sendSlack(fields.toString(), 'application/x-www-form-urlencoded');
      expect(res).toMatchObject({ status: 200, body: { answered: 'help' } });
      await eventually(() => slack.calls.some((c) => c.path === '/api/chat.postMessage' && c.body.channel === channel));
      expect(stranger.calls).toEqual([]);
      const [row] = await db().selectFrom('webhook_events').selectAll().where('delivery_id', '=', fields.get('trigger_id')!).execute();
      expect(JSON.parse(row!.explanation!).response_url).toContain(`is not a Slack host`);
    });

    it('unsigned posts are counted and kept small, with their headers on a safe list, and only the newest few', async () => {
      const junk = JSON.stringify({ filler: 'z'.repeat(16 * 1024) });
      const headers = { 'x-github-event': 'issue_comment', 'x-github-delivery': 'unsigned-1', authorization: 'Bearer stolen', cookie: 'session=1', 'x-anything': 'y'.repeat(2000) };
      const metric = async () => {
        const text = (await h.request('GET', '/metrics')).body as string;
        return Number(/cca_webhook_deliveries_total\{provider="github",outcome="verification_failed"\} (\d+)/.exec(text)?.[1] ?? 0);
      };
      const before = await metric();
      for (let i = 0; i < 8; i++) expect((await post('/webhooks/github', junk, headers)).status).toBe(401);
      expect(await metric()).toBe(before + 8);
      const rows = await db().selectFrom('webhook_events').selectAll().where('verified', '=', 0).execute();
      expect(rows).toHaveLength(5); // WEBHOOK_UNVERIFIED_KEEP
      for (const row of rows) {
        expect(row.payload.length).toBeLessThanOrEqual(1024);
        expect(Object.keys(JSON.parse(row.headers)).sort()).toEqual(['content-length', 'content-type', 'user-agent', 'x-github-delivery', 'x-github-event']);
        expect(JSON.parse(row.explanation!)).toMatchObject({ size: junk.length });
      }
      // A day later they are gone, whatever their number.
      await db().updateTable('webhook_events').set({ created_at: Date.now() - 25 * 3600_000 }).where('verified', '=', 0).execute();
      expect((await post('/webhooks/github', junk, headers)).status).toBe(401);
      expect(await db().selectFrom('webhook_events').select('event_id').where('verified', '=', 0).execute()).toHaveLength(1);
      expect(await metric()).toBe(before + 9);
    });

    it('the inspector answers whatever was stored: deep JSON, and large deliveries in pages bounded in bytes', async () => {
      const deep = '['.repeat(6000) + ']'.repeat(6000);
      expect((await post('/webhooks/github', deep, { 'x-github-event': 'issues' })).status).toBe(401);
      expect((await h.request('GET', '/api/webhooks/static/github/events?limit=200')).status).toBe(200);

      const created = await h.request('POST', '/api/webhooks', { name: 'Big', provider: 'generic', secret: 'generic-secret-7654321' });
      const id = created.body.webhook_id;
      // However a deeply nested payload got into the table (an older version, a signed sender), its page must load.
      const deepStored = `{"event_type":"x","nested":${deep}}`;
      await h.services.repos.webhookEvents.insert({
        webhook_id: id, provider: 'generic', event_type: 'x', delivery_id: null, dedup_key: null, headers: {}, payload: deepStored,
        verified: true, verification_error: null, outcome: 'ignored', status_code: 200,
      });
      const big = (i: number) => JSON.stringify({ event_type: `big${i}`, blob: 'b'.repeat(2 * 1024 * 1024) });
      for (let i = 0; i < 3; i++) {
        const body = big(i);
        expect((await post(`/webhooks/generic/${id}`, body, { 'x-signature-256': signGeneric('generic-secret-7654321', body) })).status).toBe(200);
      }

      const page = await fetch(`${h.url}/api/webhooks/${id}/events?limit=200`);
      expect(page.status).toBe(200);
      const text = await page.text();
      expect(text.length).toBeLessThan(4 * 65 * 1024); // four deliveries, each payload cut at 64 KiB
      const events = JSON.parse(text).events as any[];
      const large = events.filter((e) => String(e.event_type).startsWith('big'));
      expect(large).toHaveLength(3);
      for (const e of large) expect(e).toMatchObject({ payload_truncated: true, payload_size: big(0).length });
      // Too deep to hand back parsed: the text as stored.
      expect(events.find((e) => e.event_type === 'x')).toMatchObject({ payload_truncated: false, payload: deepStored });

      const full = await fetch(`${h.url}/api/webhooks/${id}/events/${large[0].event_id}/payload`);
      expect(full.status).toBe(200);
      expect(await full.text()).toBe(big(Number(large[0].event_type.slice(3))));
    });

    it('a dynamic create_task command without permissions runs read-only, like the built-in commands', async () => {
      const created = await h.request('POST', '/api/webhooks', { name: 'Perms', provider: 'generic', secret: 'generic-secret-perms12' });
      const id = created.body.webhook_id;
      await h.request('POST', `/api/webhooks/${id}/commands`, { name: 'look', trigger: 'look', template: 'Look at {{what}}', needs_approval: true });
      const body = JSON.stringify({ event_type: 'look', what: 'the logs' });
      const res = await post(`/webhooks/generic/${id}`, body, { 'x-signature-256': signGeneric('generic-secret-perms12', body) });
      expect(res.status).toBe(202);
      expect((await h.request('GET', `/api/tasks/${res.body.task_id}`)).body.permission_mode).toBe('default');
    });
  });
}

