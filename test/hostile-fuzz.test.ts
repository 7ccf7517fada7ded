// Hostile-input property tests (issue 10, item 10), on SQLite and on PostgreSQL: every route of the app (walked from
// Fastify's route table), every webhook route with signed and unsigned hostile deliveries, and the WebSocket get
// hostile path parameters, query strings, bodies and messages. Nothing may answer 5xx or crash the service, and the
// database must stay whole: no delivery without its outcome, no task without the rows that come with it.
// Seeded: a failure prints its seed and path, and FUZZ_SEED=<n> reproduces it.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/paths.js';
import { type FakeGithub, type FakeProvider, startFakeGithub, startFakeJira, startFakeSentry, startFakeSlack } from './support/fake-providers.js';
import { connectLive, startHarness, type Harness } from './support/harness.js';
import { deepJson, hostileJsonBody, hostileQuery, hostileSegment, hostileString, hostileValue, mutateLeaves } from './support/hostile-input.js';
import { startScriptedModel, type ScriptedModel } from './support/scripted-model.js';
import { SERVICE_SETUPS } from './support/services.js';
import { signGeneric, signGithub, signJira, signSentry, signSlack } from './support/signing.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const SECRETS = { github: 'fuzz-github-secret', slack: 'fuzz-slack-secret', jira: 'fuzz-jira-secret', sentry: 'fuzz-sentry-secret' };
const fixture = (p: string) => JSON.parse(fs.readFileSync(path.join(projectRoot, 'test', 'fixtures', p), 'utf8'));

/** Field names the API's bodies read: a hostile value under a real name reaches validation and storage. */
const FIELDS = [
  'message', 'conversation_id', 'agent', 'model', 'session_id', 'max_budget_usd', 'title', 'archived', 'name', 'provider',
  'secret', 'enabled', 'rotate_secret', 'trigger_phrase', 'payload', 'headers', 'event_type', 'trigger', 'aliases',
  'description', 'conditions', 'action', 'template', 'options', 'priority', 'permissions', 'needs_approval',
  'stop_after_match', 'prompt', 'tools', 'files', 'content', 'limit_usd', 'period', 'scope', 'reason', '__proto__',
];
const QUERY_KEYS = [
  'limit', 'cursor', 'after', 'before', 'status', 'conversation_id', 'session_id', 'source', 'flow_id', 'from', 'to',
  'granularity', 'group_by', 'top', 'sort', 'order', 'format', 'outcome', 'agent', 'model', 'requester', 'rule', 'archived', 'token',
];

const dialects = SERVICE_SETUPS;

interface Sent {
  method: string;
  path: string;
  status: number;
  body: string;
}

for (const dialect of dialects) {
  describe.skipIf(dialect.skip)(`hostile input on ${dialect.name}`, () => {
    let model: ScriptedModel;
    let github: FakeGithub;
    let fakes: FakeProvider[];
    let h: Harness;
    /** Ids that exist, so a hostile body also reaches the handlers behind a found row. */
    const pool: Record<string, string[]> = {};

    beforeAll(async () => {
      model = await startScriptedModel();
      github = await startFakeGithub({ permissions: { Codertocat: 'admin', writer: 'write' } });
      const [slack, jira, sentry] = await Promise.all([startFakeSlack(), startFakeJira(), startFakeSentry()]);
      fakes = [github, slack, jira, sentry];
      h = await startHarness({
        model,
        distributed: dialect.distributed,
        env: {
          // Runs are not what is tested here: a "Claude Code" that exits at once keeps the worker cheap.
          CLAUDE_CODE_PATH: '/bin/false',
          MAX_CONCURRENT_TASKS: '1',
          GITHUB_WEBHOOK_SECRET: SECRETS.github,
          GITHUB_TOKEN: 'ghp_fuzz_token',
          GITHUB_API_URL: github.url,
          SLACK_SIGNING_SECRET: SECRETS.slack,
          SLACK_BOT_TOKEN: 'xoxb-fuzz',
          SLACK_API_URL: `${slack.url}/api/`,
          SLACK_BOT_USER_ID: 'U0LAN0Z89',
          JIRA_WEBHOOK_SECRET: SECRETS.jira,
          JIRA_BASE_URL: jira.url,
          JIRA_EMAIL: 'agent@example.com',
          JIRA_API_TOKEN: 'jira-fuzz-token',
          SENTRY_CLIENT_SECRET: SECRETS.sentry,
          SENTRY_AUTH_TOKEN: 'sentry-fuzz-token',
          SENTRY_URL: sentry.url,
          SENTRY_ORG: 'acme',
        },
      });
      const conversation = await h.request('POST', '/api/conversations', { title: 'fuzz' });
      const chat = await h.request('POST', '/api/chat', { message: 'hello', conversation_id: conversation.body.conversation_id });
      const generic = await h.request('POST', '/api/webhooks', { name: 'fuzz generic', provider: 'generic' });
      const command = await h.request('POST', `/api/webhooks/${generic.body.webhook_id}/commands`, { name: 'run', trigger: '*', action: 'create_task', template: 'do {{payload.x}}' });
      const budget = await h.request('POST', '/api/budgets', { name: 'fuzz', limit_usd: 5, period: 'day' });
      pool.id = [chat.body.task_id, conversation.body.conversation_id, generic.body.webhook_id, budget.body.id ?? budget.body.budget_id].filter(Boolean);
      pool.cid = [command.body.command_id].filter(Boolean);
      pool.provider = ['github', 'slack', 'jira', 'sentry', 'gitlab', 'generic'];
      pool.name = ['claude', 'help', 'fix'];
      pool.genericSecret = [generic.body.secret];
    }, 90_000);
    afterAll(async () => {
      await h?.close();
      await Promise.all([model, ...(fakes ?? [])].map((s) => s?.close()));
    });

    const send = async (method: string, p: string, body?: string, headers: Record<string, string> = {}): Promise<Sent> => {
      const res = await fetch(`${h.url}${p}`, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body });
      return { method, path: p, status: res.status, body: (await res.text()).slice(0, 300) };
    };
    const segment = (param: string) => fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...(pool[param] ?? pool.id!)) }, { weight: 3, arbitrary: hostileSegment });
    const noServerError = (r: Sent) => expect(r.status, `${r.method} ${r.path.slice(0, 200)} → ${r.status} ${r.body}`).toBeLessThan(500);

    it('every route of the app answers hostile params, queries and bodies without a 5xx', async () => {
      const routes = h.routes.filter((r) => r.method !== 'OPTIONS');
      expect(routes.length).toBeGreaterThan(50);
      const request = fc.constantFrom(...routes).chain((route) => {
        const params = route.url.match(/:\w+|\*/g) ?? [];
        return fc.record({
          route: fc.constant(route),
          values: fc.tuple(...params.map((p) => segment(p.slice(1)))),
          query: hostileQuery(QUERY_KEYS),
          body: hostileJsonBody(FIELDS),
          contentType: fc.constantFrom('application/json', 'application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'),
        });
      });
      await fc.assert(
        fc.asyncProperty(request, async ({ route, values, query, body, contentType }) => {
          let i = 0;
          const p = route.url.replace(/:\w+|\*/g, () => values[i++] as string) + query;
          noServerError(await send(route.method, p, body, { 'content-type': contentType }));
        }),
        { seed: SEED, numRuns: 250 },
      );
    });

    it('every webhook route answers hostile deliveries, signed and unsigned, without a 5xx', async () => {
      const github = (name: string, file: string) => ({ provider: 'github', file, headers: { 'x-github-event': name } });
      const shapes: Array<{ provider: string; file: string; headers: Record<string, string> }> = [
        github('issue_comment', 'github/issue_comment.created.json'),
        github('issues', 'github/issues.opened.json'),
        github('pull_request', 'github/pull_request.opened.json'),
        github('pull_request_review_comment', 'github/pull_request_review_comment.created.json'),
        { provider: 'slack', file: 'slack/app_mention.json', headers: {} },
        { provider: 'slack', file: 'slack/url_verification.json', headers: {} },
        { provider: 'jira', file: 'jira/comment_created.json', headers: {} },
        { provider: 'jira', file: 'jira/jira_issue_created.json', headers: {} },
        { provider: 'sentry', file: 'sentry/comment_created.json', headers: { 'sentry-hook-resource': 'comment' } },
        { provider: 'sentry', file: 'sentry/issue_created.json', headers: { 'sentry-hook-resource': 'issue' } },
        { provider: 'generic', file: 'github/issues.opened.json', headers: { 'x-event-type': 'issues.opened' } },
      ];
      const delivery = fc.constantFrom(...shapes).chain((shape) =>
        fc.record({
          shape: fc.constant(shape),
          body: fc.oneof(
            { weight: 4, arbitrary: mutateLeaves(fixture(shape.file)).map((v) => JSON.stringify(v)) },
            { weight: 1, arbitrary: hostileJsonBody(['action', 'event', 'type', 'comment', 'issue', 'payload', 'text', 'event_id']) },
            { weight: 1, arbitrary: deepJson },
          ),
          signed: fc.boolean(),
          deliveryId: fc.oneof(fc.stringMatching(/^[\x20-\x7e]{0,20}$/), fc.integer({ min: 1, max: 5000 }).map((n) => 'd'.repeat(n))),
          contentType: fc.constantFrom('application/json', 'application/json', 'application/x-www-form-urlencoded', 'text/plain'),
        }),
      );
      await fc.assert(
        fc.asyncProperty(delivery, async ({ shape, body, signed, deliveryId, contentType }) => {
          const ts = String(Math.floor(Date.now() / 1000));
          const headers: Record<string, string> = { 'content-type': contentType, 'x-github-delivery': deliveryId, 'x-atlassian-webhook-identifier': deliveryId, ...shape.headers };
          const dynamic = shape.provider === 'generic';
          if (signed) {
            if (shape.provider === 'github') headers['x-hub-signature-256'] = signGithub(SECRETS.github, body);
            if (shape.provider === 'slack') Object.assign(headers, { 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlack(SECRETS.slack, body, ts) });
            if (shape.provider === 'jira') headers['x-hub-signature'] = signJira(SECRETS.jira, body);
            if (shape.provider === 'sentry') headers['sentry-hook-signature'] = signSentry(SECRETS.sentry, body);
            if (dynamic) headers['x-signature-256'] = signGeneric(pool.genericSecret![0]!, body);
          }
          const p = dynamic ? `/webhooks/generic/${pool.id![2]}` : `/webhooks/${shape.provider}`;
          noServerError(await send('POST', p, body, headers));
        }),
        { seed: SEED, numRuns: 120 },
      );
    });

    it('the WebSocket answers hostile session ids and messages, and stays usable', async () => {
      const message = fc.oneof(
        fc.record({ type: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'ping'), hostileString), task_id: hostileValue, all: hostileValue }).map((m) => JSON.stringify(m)),
        hostileString,
        deepJson,
      );
      await fc.assert(
        fc.asyncProperty(hostileSegment, fc.array(message, { maxLength: 4 }), async (sessionId, messages) => {
          let live;
          try {
            live = await connectLive(`${h.url.replace('http', 'ws')}/ws/${sessionId}`);
          } catch (err) {
            // A session id that is not UTF-8 once decoded is refused before the upgrade, with a 4xx.
            expect(String(err)).toMatch(/WebSocket refused: 4\d\d/);
            return;
          }
          try {
            for (const m of messages) live.sendRaw(m);
            live.send({ type: 'ping' });
            await live.waitFor((e) => e.type === 'pong', 10_000);
          } finally {
            live.close();
          }
        }),
        { seed: SEED, numRuns: 40 },
      );
    });

    it('after all of it the service is healthy and the database whole', async () => {
      expect((await send('GET', '/health')).status).toBe(200);
      const db = h.services.storage.db;
      const count = async (query: { execute(): Promise<unknown[]> }) => (await query.execute()).length;
      // Every delivery that was kept has its outcome and status.
      expect(await count(db.selectFrom('webhook_events').select('event_id').where((eb) => eb.or([eb('outcome', 'is', null), eb('status_code', 'is', null)])))).toBe(0);
      // A delivery that names a task has it, and a task made by a delivery has the delivery's row.
      expect(await count(db.selectFrom('webhook_events as e').leftJoin('tasks as t', 't.task_id', 'e.task_id').select('e.event_id').where('e.task_id', 'is not', null).where('t.task_id', 'is', null))).toBe(0);
      expect(await count(db.selectFrom('tasks as t').leftJoin('webhook_events as e', 'e.event_id', 't.webhook_event_id').select('t.task_id').where('t.webhook_event_id', 'is not', null).where('e.event_id', 'is', null))).toBe(0);
      // A chat task in a conversation has the user's message; a conversation's count is its messages.
      expect(
        await count(
          db.selectFrom('tasks as t').select('t.task_id').where('t.source', '=', 'dashboard').where('t.conversation_id', 'is not', null)
            .where(({ not, exists, selectFrom }) => not(exists(selectFrom('conversation_messages as m').select('m.message_id').whereRef('m.task_id', '=', 't.task_id').where('m.role', '=', 'user')))),
        ),
      ).toBe(0);
      expect(await count(db.selectFrom('tasks as t').leftJoin('conversations as c', 'c.conversation_id', 't.conversation_id').select('t.task_id').where('t.conversation_id', 'is not', null).where('c.conversation_id', 'is', null))).toBe(0);
      const counts = await sql<{ conversation_id: string; message_count: number; n: number }>`
        select c.conversation_id, c.message_count, (select count(*) from conversation_messages m where m.conversation_id = c.conversation_id) as n
        from conversations c`.execute(db);
      expect(counts.rows.filter((r) => Number(r.message_count) !== Number(r.n))).toEqual([]);
      // A finished task has every event it counted, numbered 1…n.
      const events = await sql<{ task_id: string; event_count: number; n: number; top: number | null }>`
        select t.task_id, t.event_count, count(e.seq) as n, max(e.seq) as top from tasks t left join task_events e on e.task_id = t.task_id
        where t.status in ('completed', 'failed', 'cancelled') group by t.task_id, t.event_count`.execute(db);
      expect(events.rows.filter((r) => Number(r.n) !== Number(r.event_count) || Number(r.top ?? 0) !== Number(r.n))).toEqual([]);
      // A command belongs to a webhook that exists.
      expect(await count(db.selectFrom('webhook_commands as c').leftJoin('webhook_configs as w', 'w.webhook_id', 'c.webhook_id').select('c.command_id').where('w.webhook_id', 'is', null))).toBe(0);
    });
  });
}
