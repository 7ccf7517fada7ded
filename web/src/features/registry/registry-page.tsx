import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, Route, Routes, useLocation, useNavigate, useParams } from 'react-router-dom';
import { api } from '../../lib/api-client';
import type { AgentDetail, SkillDetail } from '../../lib/contracts';
import { useUnsavedChangesGuard } from '../../lib/unsaved-changes';
import { Badge, Button, Card, cx, ErrorBox, Field, Input, Loading, PageHeader, TextArea } from '../../components/ui';
import { EditorError } from './editor-error';
import { type Entry, type Kind, List } from './registry-list';

function Actions({ kind, doc, saving }: { kind: Kind; doc: Entry; saving: boolean }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const path = `/api/registry/${kind}/${encodeURIComponent(doc.name)}`;
  const done = () => {
    void client.invalidateQueries({ queryKey: ['registry'] });
  };
  const remove = useMutation({ mutationFn: () => api.delete(path), onSuccess: () => (done(), navigate(`/registry/${kind}`)) });
  const restore = useMutation({ mutationFn: () => api.post(`${path}/restore`), onSuccess: done });
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Button tone="primary" type="submit" disabled={saving}>
        {saving ? 'Saving…' : 'Save'}
      </Button>
      {doc.builtin && doc.overridden && (
        <Button onClick={() => confirm(`Restore the built-in ${doc.name}? Your changes are discarded.`) && restore.mutate()} disabled={restore.isPending}>
          Restore built-in
        </Button>
      )}
      {!doc.builtin && (
        <Button tone="danger" onClick={() => confirm(`Delete ${doc.name}?`) && remove.mutate()} disabled={remove.isPending}>
          Delete
        </Button>
      )}
      <ErrorBox error={remove.error ?? restore.error} className="w-full" />
    </div>
  );
}

function AgentEditor({ name }: { name: string }) {
  const client = useQueryClient();
  const path = `/api/registry/agents/${encodeURIComponent(name)}`;
  const q = useQuery({ queryKey: ['registry', 'agents', name], queryFn: () => api.get<AgentDetail>(path) });
  const [draft, setDraft] = useState<string | null>(null);
  useUnsavedChangesGuard(draft !== null && draft !== q.data?.content);
  const save = useMutation({
    mutationFn: (content: string) => api.put<AgentDetail>(path, { content }),
    onSuccess: () => {
      setDraft(null);
      void client.invalidateQueries({ queryKey: ['registry'] });
    },
  });
  if (q.isPending) return <Loading />;
  if (q.error) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  const content = draft ?? q.data.content;
  return (
    <Card title={<span className="font-mono">{name}</span>} actions={<>{q.data.builtin && <Badge tone="blue">built-in</Badge>}{q.data.overridden && <Badge tone="amber">edited</Badge>}</>}>
      <form
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(content);
        }}
      >
        <Field label="Agent file (markdown with frontmatter)">
          {(id) => <TextArea id={id} rows={20} value={content} onChange={(e) => setDraft(e.target.value)} spellCheck={false} aria-invalid={!!save.error} className={cx(save.error ? 'border-red-400' : undefined)} />}
        </Field>
        <EditorError error={save.error} />
        {save.isSuccess && draft === null && <p role="status" className="text-sm text-emerald-700">Saved.</p>}
        <Actions kind="agents" doc={q.data} saving={save.isPending} />
      </form>
    </Card>
  );
}

function SkillEditor({ name }: { name: string }) {
  const client = useQueryClient();
  const path = `/api/registry/skills/${encodeURIComponent(name)}`;
  const q = useQuery({ queryKey: ['registry', 'skills', name], queryFn: () => api.get<SkillDetail>(path) });
  const [files, setFiles] = useState<Record<string, string> | null>(null);
  const [current, setCurrent] = useState('SKILL.md');
  const [newFile, setNewFile] = useState('');
  useUnsavedChangesGuard(files !== null);
  const save = useMutation({
    mutationFn: (body: Record<string, string>) => api.put<SkillDetail>(path, { files: body }),
    onSuccess: () => {
      setFiles(null);
      void client.invalidateQueries({ queryKey: ['registry'] });
    },
  });
  if (q.isPending) return <Loading />;
  if (q.error) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  const all = files ?? q.data.files;
  const names = Object.keys(all).sort((a, b) => (a === 'SKILL.md' ? -1 : b === 'SKILL.md' ? 1 : a.localeCompare(b)));
  const shown = all[current] !== undefined ? current : (names[0] ?? 'SKILL.md');
  return (
    <Card title={<span className="font-mono">{name}</span>} actions={<>{q.data.builtin && <Badge tone="blue">built-in</Badge>}{q.data.overridden && <Badge tone="amber">edited</Badge>}</>}>
      <form
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(all);
        }}
      >
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
        <EditorError error={save.error} />
        {save.isSuccess && files === null && <p role="status" className="text-sm text-emerald-700">Saved.</p>}
        <Actions kind="skills" doc={q.data} saving={save.isPending} />
      </form>
    </Card>
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
