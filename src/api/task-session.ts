// GET /api/tasks/{id}/session: hand a task's Claude session off to someone's own machine (issue 15, item 5). The
// transcript is the one the service keeps to resume the conversation on any worker (claude_sessions), so it is the
// session as it stands now, including later runs of the same conversation. Secrets are redacted on the way out.
import type { FastifyInstance } from 'fastify';
import { ERRORS, IdParams } from '../contracts/common.js';
import { TaskSession } from '../contracts/task-session.js';
import type { Services } from '../services.js';
import { conflict, notFound } from './http-errors.js';
import { typed } from './schemas.js';

/** Claude Code files a session under ~/.claude/projects/<the directory, every non-alphanumeric turned into "-">/. */
const PROJECT_DIR = '~/.claude/projects/"$(pwd | sed \'s/[^A-Za-z0-9]/-/g\')"';

export function taskSessionRoutes(plain: FastifyInstance, s: Services): void {
  const app = typed(plain);
  const schema = { tags: ['tasks'], summary: "A task's Claude session, to continue locally with claude --resume", params: IdParams, response: { 200: TaskSession, ...ERRORS } };
  app.get('/api/tasks/:id/session', { schema }, async (req) => {
    const task = await s.repos.tasks.get(req.params.id);
    if (!task) throw notFound(`task ${req.params.id}`);
    const sessionId = task.claude_session_id;
    if (!sessionId) throw conflict(`task ${task.task_id} has no Claude session (it is ${task.status} and never started Claude Code)`);
    const transcript = await s.repos.claudeSessions.get(sessionId);
    if (!transcript) {
      throw conflict(`the transcript of session ${sessionId} is not kept: only a conversation's session is, and RETENTION_DAYS drops old ones`);
    }
    const fileName = `${sessionId}.jsonl`;
    return {
      task_id: task.task_id,
      session_id: sessionId,
      conversation_id: task.conversation_id,
      file_name: fileName,
      install: `mkdir -p ${PROJECT_DIR} && cp ${fileName} ${PROJECT_DIR}/`,
      resume_command: `claude --resume ${sessionId}`,
      transcript: s.redactor.redact(transcript),
    };
  });
}
