import { useState } from 'react';
import { Link, Route, Routes, useLocation, useParams } from 'react-router-dom';
import type { AgentDetail, SkillDetail } from '../../lib/contracts';
import { useUnsavedChangesGuard } from '../../lib/unsaved-changes';
import { Button, cx, ErrorBox, Field, Input, Loading, PageHeader, TextArea } from '../../components/ui';
import { EditorForm, useRegistryDoc } from './editor-form';
import { type Kind, List } from './registry-list';

function AgentEditor({ name }: { name: string }) {
  const [draft, setDraft] = useState<string | null>(null);
  const { q, save } = useRegistryDoc<AgentDetail, { content: string }>('agents', name, () => setDraft(null));
  useUnsavedChangesGuard(draft !== null && draft !== q.data?.content);
  if (q.isPending) return <Loading />;
  if (q.error) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  const content = draft ?? q.data.content;
  return (
    <EditorForm kind="agents" name={name} doc={q.data} save={save} saved={draft === null} onSubmit={() => save.mutate({ content })}>
      <Field label="Agent file (markdown with frontmatter)">
        {(id) => <TextArea id={id} rows={20} value={content} onChange={(e) => setDraft(e.target.value)} spellCheck={false} aria-invalid={!!save.error} className={cx(save.error ? 'border-red-400' : undefined)} />}
      </Field>
    </EditorForm>
  );
}

function SkillEditor({ name }: { name: string }) {
  const [files, setFiles] = useState<Record<string, string> | null>(null);
  const [current, setCurrent] = useState('SKILL.md');
  const [newFile, setNewFile] = useState('');
  const { q, save } = useRegistryDoc<SkillDetail, { files: Record<string, string> }>('skills', name, () => setFiles(null));
  useUnsavedChangesGuard(files !== null);
  if (q.isPending) return <Loading />;
  if (q.error) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  const all = files ?? q.data.files;
  const names = Object.keys(all).sort((a, b) => (a === 'SKILL.md' ? -1 : b === 'SKILL.md' ? 1 : a.localeCompare(b)));
  const shown = all[current] !== undefined ? current : (names[0] ?? 'SKILL.md');
  return (
    <EditorForm kind="skills" name={name} doc={q.data} save={save} saved={files === null} onSubmit={() => save.mutate({ files: all })}>
      <div role="tablist" aria-label="Files" className="flex flex-wrap gap-1">
        {names.map((f) => (
          <button key={f} type="button" role="tab" aria-selected={f === shown} onClick={() => setCurrent(f)} className={cx('rounded px-2 py-1 font-mono text-xs', f === shown ? 'bg-stone-800 text-white' : 'bg-stone-100 hover:bg-stone-200')}>
            {f}
          </button>
        ))}
      </div>
      <Field label={shown}>{(id) => <TextArea id={id} rows={18} value={all[shown] ?? ''} onChange={(e) => setFiles({ ...all, [shown]: e.target.value })} spellCheck={false} />}</Field>
      <div className="flex flex-wrap items-end gap-2">
        <div className="w-56">
          <Field label="Add a file">{(id) => <Input id={id} value={newFile} onChange={(e) => setNewFile(e.target.value)} placeholder="scripts/check.sh" />}</Field>
        </div>
        <Button
          onClick={() => {
            const f = newFile.trim();
            if (!f || all[f] !== undefined) return;
            setFiles({ ...all, [f]: '' });
            setCurrent(f);
            setNewFile('');
          }}
        >
          Add
        </Button>
        {shown !== 'SKILL.md' && (
          <Button
            tone="danger"
            onClick={() => {
              const { [shown]: _removed, ...rest } = all;
              setFiles(rest);
              setCurrent('SKILL.md');
            }}
          >
            Remove {shown}
          </Button>
        )}
      </div>
    </EditorForm>
  );
}

function Editor({ kind }: { kind: Kind }) {
  const { name = '' } = useParams();
  return (
    <>
      <p className="mb-3 text-sm">
        <Link to={`/registry/${kind}`} className="text-orange-800 underline">
          All {kind}
        </Link>
      </p>
      {kind === 'agents' ? <AgentEditor key={name} name={name} /> : <SkillEditor key={name} name={name} />}
    </>
  );
}

export function RegistryPage() {
  // /registry shows the agents: their tab is the active one there too.
  const tab = /^\/registry\/skills(\/|$)/.test(useLocation().pathname) ? 'skills' : 'agents';
  return (
    <>
      <PageHeader title="Registry">
        <nav aria-label="Registry" className="flex gap-1">
          {(['agents', 'skills'] as const).map((k) => (
            <Link
              key={k}
              to={`/registry/${k}`}
              aria-current={tab === k ? 'page' : undefined}
              className={cx('rounded-md px-3 py-1.5 text-sm', tab === k ? 'bg-stone-800 text-white' : 'bg-white ring-1 ring-stone-300 hover:bg-stone-100')}
            >
              {k === 'agents' ? 'Agents' : 'Skills'}
            </Link>
          ))}
        </nav>
      </PageHeader>
      <Routes>
        <Route index element={<List kind="agents" />} />
        <Route path="agents" element={<List kind="agents" />} />
        <Route path="skills" element={<List kind="skills" />} />
        <Route path="agents/:name" element={<Editor kind="agents" />} />
        <Route path="skills/:name" element={<Editor kind="skills" />} />
      </Routes>
    </>
  );
}
