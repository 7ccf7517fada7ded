// A run's end wrote its cost to its session, the one row every webhook task of a provider shares: on PostgreSQL each
// delivery creating a task, and each other run ending, waited for that row's lock until that run's COMMIT (issue 13
// item 1). Neither writes it now: the row is written once, and its totals are counted from the tasks when read.
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../src/storage/db.js';
import { createRepositories } from '../src/storage/repositories/index.js';
import { TaskService } from '../src/tasks/task-service.js';

describe('the session of a run ending, on SQLite', () => {
  let storage: Storage | undefined;
  afterAll(() => storage?.close());

  it('writes nothing to the session, whose totals are counted from its tasks', async () => {
    const statements: string[] = [];
    storage = await openStorage({ onStatement: (text) => void statements.push(text) });
    const repos = createRepositories(storage.db);
    const conversation = await repos.conversations.ensure({ conversation_id: 'conv_1', title: 't', flow_id: 'flow_1', source: 'github' });
    const tasks = new TaskService({ repos } as ConstructorParameters<typeof TaskService>[0]);
    const task = await tasks.insert({ session_id: 'webhook:github', source: 'github', input_message: 'analyze', conversation_id: conversation.conversation_id });
    await repos.tasks.transition(task.task_id, 'claim');
    statements.length = 0;
    expect(await repos.tasks.transition(task.task_id, 'complete', { cost_usd: 0.5, outcome: 'success', duration_ms: 1000 })).toMatchObject({ status: 'completed' });
    expect(statements.filter((s) => /"sessions"/.test(s)), statements.join('\n')).toEqual([]);
    const second = await tasks.insert({ session_id: 'webhook:github', source: 'github', input_message: 'again', conversation_id: conversation.conversation_id });
    expect(second.status).toBe('queued');
    expect(await repos.sessions.get('webhook:github')).toMatchObject({ total_tasks: 2, total_cost_usd: 0.5 });
  });
});
