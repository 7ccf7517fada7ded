import { useMutation } from '@tanstack/react-query';
import { api } from '../../lib/api-client';
import { TaskSession, type TaskView } from '../../lib/contracts';
import { Button, CopyButton, ErrorBox, Pre } from '../../components/ui';

/** Saves the transcript as `name` through the browser's download. */
function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/jsonl' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** "Hand off": downloads the task's Claude session and shows the commands that continue it on one's own machine. */
export function HandOff({ task }: { task: TaskView }) {
  const session = useMutation({
    mutationFn: () => api.get(`/api/tasks/${encodeURIComponent(task.task_id)}/session`, TaskSession),
    onSuccess: (s) => download(s.file_name, s.transcript),
  });
  if (!task.claude_session_id) return null;
  const s = session.data;
  const commands = s ? `${s.install}\n${s.resume_command}` : '';
  return (
    <section aria-label="Hand off" className="flex flex-col gap-1 text-xs">
      <div>
        <Button size="sm" disabled={session.isPending} onClick={() => session.mutate()}>
          Hand off
        </Button>
      </div>
      {s && (
        <div className="flex flex-col gap-1">
          <p className="text-stone-600">
            Saved <span className="font-mono">{s.file_name}</span>. In the directory to work in, with the file there, run:
          </p>
          <Pre className="text-xs">{commands}</Pre>
          <div>
            <CopyButton text={commands} label="Copy the commands" />
          </div>
        </div>
      )}
      {session.error && <ErrorBox error={session.error} className="max-w-md" />}
    </section>
  );
}
