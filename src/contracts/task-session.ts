import { z } from 'zod';

/**
 * `GET /api/tasks/{id}/session` (issue 15, item 5): the Claude Code session a task ran in, to continue it locally.
 * `transcript` is the session file (JSONL) as the service keeps it for resuming, secrets redacted; `install` puts it
 * where Claude Code looks for the sessions of the current directory, and `resume_command` continues it.
 */
export const TaskSession = z.object({
  task_id: z.string(),
  session_id: z.string(),
  conversation_id: z.string().nullable(),
  /** Save the transcript under this name (what `install` copies). */
  file_name: z.string(),
  /** A shell line, run in the directory to work in, that files the saved transcript where `claude --resume` finds it. */
  install: z.string(),
  /** The exact command: `claude --resume <session_id>`. */
  resume_command: z.string(),
  transcript: z.string(),
});
export type TaskSession = z.infer<typeof TaskSession>;
