// A run's end writes its cost to its session, the one row every webhook task of a provider shares: on PostgreSQL each
// delivery that creates a task waits for that row's lock from the moment a finishing run takes it until that run's
// COMMIT. So the session is written last, as TaskRepository.create does when a task is created (issue 13 item 1):
// both take the conversation's lock before the session's, and neither holds the session's across other statements.
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../src/storage/db.js';
import { createRepositories } from '../src/storage/repositories/index.js';
import { TaskService } from '../src/tasks/task-service.js';

describe('statements of a run ending, on SQLite', () => {
  let storage: Storage | undefined;
  afterAll(() => storage?.close());

  it('writes the session last, just before the COMMIT', async () => {
    const statements: string[] = [];
    storage = await openStorage({ onStatement: (text) => void statements.push(text) });
    const repos = createRepositories(storage.db);
    const conversation = await repos.conversations.ensure({ conversation_id: 'conv_1', title: 't', flow_id: 'flow_1', source: 'github' });
    const tasks = new TaskService({ repos } as ConstructorParameters<typeof TaskService>[0]);
    const task = await tasks.insert({ session_id: 'webhook:github', source: 'github', input_message: 'analyze', conversation_id: conversation.conversation_id });
    await repos.tasks.transition(task.task_id, 'claim');
    statements.length = 0;
    expect(await repos.tasks.transition(task.task_id, 'complete', { cost_usd: 0.5, outcome: 'success', duration_ms: 1000 })).toMatchObject({ status: 'completed' });
    expect(statements.slice(-2), statements.join('\n')).toEqual([expect.stringMatching(/^update "sessions"/), 'commit']);
    expect(statements.filter((s) => /"sessions"/.test(s)), statements.join('\n')).toHaveLength(1);
    expect((await repos.sessions.get('webhook:github'))?.total_cost_usd).toBe(0.5);
  });
});
