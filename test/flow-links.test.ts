// The flow resolver on every dialect (SQLite file, the machine's PostgreSQL): which flow a thread's tasks join, when a
// mention links a thread, and what `@agent continue` does (src/flows/flow-resolver.ts, table flow_links).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowIdFor } from '../src/domain/ids.js';
import { FlowResolver } from '../src/flows/flow-resolver.js';
import type { Repositories } from '../src/storage/repositories/index.js';
import { TaskService } from '../src/tasks/task-service.js';
import { STORAGE_DIALECTS, testDatabase } from './support/test-database.js';

for (const dialect of STORAGE_DIALECTS) {
  describe.skipIf(dialect.skip)(`flow links on ${dialect.name}`, () => {
    let repos: Repositories;
    let flows: FlowResolver;
    const db = testDatabase(dialect.name, 'cca-flows-');
    /** A task row of a thread, as createThreadTask writes it (only rows: insert uses no queue). */
    const taskOf = (externalId: string, flowId = flowIdFor(externalId)) =>
      new TaskService({ repos } as ConstructorParameters<typeof TaskService>[0]).insert({ session_id: 's', source: externalId.split(':')[0]!, input_message: 'x', external_id: externalId, flow_id: flowId });

    beforeAll(async () => {
      ({ repos } = await db.openRepositories());
      flows = new FlowResolver(repos);
    });
    afterAll(() => db.close());

    it('a new thread a maintainer links to a known one joins its flow; others stay their own', async () => {
      await taskOf('sentry:sentry-issue-1');
      const sentryFlow = flowIdFor('sentry:sentry-issue-1');
      const text = 'see https://acme.sentry.io/issues/1/ and PROJ-404';
      expect(await flows.forDelivery('jira', 'PROJ-1', text, true)).toEqual({ flowId: sentryFlow, link: { via: 'mention', named: 'sentry:sentry-issue-1' } });
      expect(await flows.forDelivery('jira', 'PROJ-1', text, false)).toEqual({ flowId: flowIdFor('jira:PROJ-1') });
      expect(await flows.forDelivery('jira', 'PROJ-2', 'only PROJ-404, unknown', true)).toEqual({ flowId: flowIdFor('jira:PROJ-2') });
      // A thread with history of its own is not moved by a mention.
      await taskOf('jira:PROJ-3');
      expect(await flows.forDelivery('jira', 'PROJ-3', text, true)).toEqual({ flowId: flowIdFor('jira:PROJ-3') });
      // Once linked (createThreadTask writes the link with the task), the thread's flow is the linked one.
      await repos.flowLinks.link({ external_id: 'jira:PROJ-1', flow_id: sentryFlow, via: 'mention' });
      expect(await flows.flowOf('jira:PROJ-1')).toBe(sentryFlow);
      expect(await flows.forDelivery('jira', 'PROJ-1', '', false)).toEqual({ flowId: sentryFlow });
      // A thread linked to one that is itself linked joins the same flow.
      expect((await flows.forDelivery('slack', 'C1/1.1', 'PROJ-1', true)).flowId).toBe(sentryFlow);
    });

    it('`continue` links for a maintainer, names what it could not find, and moves a thread between flows', async () => {
      await taskOf('github:acme/api#5');
      const apiFlow = flowIdFor('github:acme/api#5');
      expect(await flows.continueIn('slack', 'C9/2.2', 'https://github.com/acme/api/issues/5', false)).toMatchObject({ linked: false, why: expect.stringContaining('only a maintainer') });
      expect(await flows.continueIn('slack', 'C9/2.2', 'please', true)).toMatchObject({ linked: false, why: expect.stringContaining('say which flow') });
      expect(await flows.continueIn('slack', 'C9/2.2', 'flow_0123456789abcdef01234567', true)).toMatchObject({ linked: false, why: expect.stringContaining('nothing has run for flow_0123456789abcdef01234567') });
      expect(await flows.continueIn('slack', 'C9/2.2', 'https://github.com/acme/api/issues/5', true)).toEqual({ linked: true, flowId: apiFlow, named: 'github:acme/api#5' });
      expect(await repos.flowLinks.get('slack:C9/2.2')).toMatchObject({ flow_id: apiFlow, via: 'continue' });
      expect(await flows.continueIn('slack', 'C9/2.2', apiFlow, true)).toMatchObject({ linked: false, why: `this thread already belongs to ${apiFlow}` });
      // Naming itself is no link.
      expect(await flows.continueIn('github', 'acme/api#5', 'https://github.com/acme/api/issues/5', true)).toMatchObject({ linked: false, why: expect.stringContaining('say which') });
      // Moved on to another flow: the newest link wins, and the flow lists its threads.
      const sentryFlow = flowIdFor('sentry:sentry-issue-1');
      expect(await flows.continueIn('slack', 'C9/2.2', sentryFlow, true)).toMatchObject({ linked: true, flowId: sentryFlow });
      expect((await repos.flowLinks.forFlow(sentryFlow)).map((l) => l.external_id)).toEqual(['jira:PROJ-1', 'slack:C9/2.2']);
      expect(await repos.flowLinks.forFlow(apiFlow)).toEqual([]);
    });
  });
}
