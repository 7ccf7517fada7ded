import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, qs } from '../../lib/api-client';
import type { EventsPage, TaskPage, WorkspaceFile, WorkspaceListing } from '../../lib/contracts';
import { when } from '../../lib/format';
import { editsOf, ToolDiff, type FileEdit } from '../../components/stream/tool-diff';
import { Button, Empty, ErrorBox, Loading } from '../../components/ui';

// The workspace changes with every turn; the panel reads it again while it is open.
const REFRESH_MS = 4000;

/** The conversation's workspace: its folders and files, one file's text, each run's changes, and a download. */
export function FilesPanel({ conversationId }: { conversationId: string }) {
  const base = `/api/conversations/${encodeURIComponent(conversationId)}/workspace`;
  const [folder, setFolder] = useState('');
  const [file, setFile] = useState<string | null>(null);
  const listing = useQuery({
    queryKey: ['workspace', conversationId, 'files', folder],
    queryFn: () => api.get<WorkspaceListing>(`${base}/files${qs({ path: folder || undefined })}`),
    refetchInterval: REFRESH_MS,
  });
  const shown = useQuery({
    queryKey: ['workspace', conversationId, 'file', file],
    queryFn: () => api.get<WorkspaceFile>(`${base}/file${qs({ path: file ?? '' })}`),
    enabled: file !== null,
    refetchInterval: REFRESH_MS,
  });
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const download = () => api.download(`${base}.tar.gz`, `workspace-${conversationId}.tar.gz`).then(() => setDownloadError(null), setDownloadError);
  const up = folder.split('/').slice(0, -1).join('/');
  return (
    <section aria-label="Files" data-testid="files-panel" className="flex flex-col gap-3 text-sm">
      <div className="flex items-center justify-between gap-2">
        <h2 className="text-base font-semibold">Files</h2>
        <Button size="sm" onClick={() => void download()}>
          Download .tar.gz
        </Button>
      </div>
      <ErrorBox error={downloadError} />
      <p className="font-mono text-xs text-stone-500">/{folder}</p>
      <ErrorBox error={listing.error} retry={() => void listing.refetch()} />
      {listing.isPending && <Loading label="Reading the workspace…" />}
      {listing.data && (
        <ul className="flex flex-col rounded-md border border-stone-200 bg-white" aria-label="Workspace files">
          {folder && (
            <li>
              <button type="button" className="w-full px-2 py-1 text-left font-mono text-xs hover:bg-stone-50" onClick={() => setFolder(up)}>
                ../
              </button>
            </li>
          )}
          {listing.data.entries.length === 0 && !folder && <li className="px-2 py-1 text-xs text-stone-500">Empty: nothing has been written here yet.</li>}
          {listing.data.entries.map((e) => (
            <li key={e.path}>
              <button
                type="button"
                disabled={e.type !== 'file' && e.type !== 'directory'}
                onClick={() => (e.type === 'directory' ? setFolder(e.path) : setFile(e.path))}
                className="flex w-full justify-between gap-2 px-2 py-1 text-left font-mono text-xs hover:bg-stone-50 disabled:text-stone-400"
                title={e.type === 'symlink' ? 'a link' : undefined}
              >
                <span className="truncate">{e.type === 'directory' ? `${e.name}/` : e.type === 'symlink' ? `${e.name} →` : e.name}</span>
                {e.type === 'file' && <span className="shrink-0 text-stone-500">{e.size} B</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
      {file !== null && (
        <div>
          <div className="flex items-center justify-between">
            <span className="font-mono text-xs font-medium">{file}</span>
            <Button size="sm" onClick={() => setFile(null)}>
              Close
            </Button>
          </div>
          <ErrorBox error={shown.error} />
          {shown.data && (
            <pre data-testid="file-view" className="mt-1 max-h-96 overflow-auto rounded-md bg-stone-900 p-2 text-xs text-stone-100">
              {shown.data.binary ? `(binary, ${shown.data.size} bytes)` : shown.data.content}
              {shown.data.truncated && '\n… (only the first 256 KB shown; download the workspace for the rest)'}
            </pre>
          )}
        </div>
      )}
      <RunChanges conversationId={conversationId} />
    </section>
  );
}

/** Each run's Write and Edit calls as diffs, oldest run first. */
function RunChanges({ conversationId }: { conversationId: string }) {
  const tasks = useQuery({
    queryKey: ['tasks', 'conversation', conversationId],
    queryFn: () => api.get<TaskPage>(`/api/tasks${qs({ conversation_id: conversationId, limit: 50 })}`),
    refetchInterval: REFRESH_MS,
  });
  const runs = [...(tasks.data?.tasks ?? [])].sort((a, b) => a.created_at.localeCompare(b.created_at));
  return (
    <div aria-label="Changes" className="flex flex-col gap-2">
      <h3 className="text-sm font-semibold">Changes by run</h3>
      <ErrorBox error={tasks.error} />
      {tasks.data && runs.length === 0 && <Empty>No runs yet.</Empty>}
      {runs.map((t) => (
        <RunChangesOf key={t.task_id} taskId={t.task_id} label={`${when(t.created_at)} · ${t.input_message.slice(0, 60)}`} done={!['queued', 'running', 'waiting_approval'].includes(t.status)} />
      ))}
    </div>
  );
}

function RunChangesOf({ taskId, label, done }: { taskId: string; label: string; done: boolean }) {
  const events = useQuery({
    queryKey: ['workspace-changes', taskId, done],
    queryFn: () => api.get<EventsPage>(`/api/tasks/${encodeURIComponent(taskId)}/events${qs({ after: 0, limit: 1000 })}`),
  });
  const edits: FileEdit[] = (events.data?.events ?? []).flatMap((e) => (e.item.kind === 'tool_use' ? (editsOf(e.item.name, e.item.input) ?? []) : []));
  if (events.error) return <ErrorBox error={events.error} />;
  if (edits.length === 0) return null;
  return (
    <div data-testid="run-changes" data-task-id={taskId}>
      <p className="truncate text-xs text-stone-600" title={label}>
        {label}
      </p>
      <ToolDiff edits={edits} />
    </div>
  );
}
