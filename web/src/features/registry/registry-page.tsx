import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, NavLink, Route, Routes, useNavigate, useParams } from 'react-router-dom';
import { api, ApiError } from '../../lib/api-client';
import type { AgentDetail, AgentSummary, SkillDetail, SkillSummary } from '../../lib/contracts';
import { Badge, Button, Card, cx, Empty, ErrorBox, Field, Input, Loading, PageHeader, TextArea } from '../../components/ui';

type Kind = 'agents' | 'skills';

/** A listed agent or skill: what both lists share. */
type Entry = Pick<AgentSummary & SkillSummary, 'name' | 'builtin' | 'overridden'> & { description?: string | null; model?: string | null };

const AGENT_TEMPLATE = (name: string) => `---
name: ${name || 'my-agent'}
description: What this agent is for, and when Claude should hand work to it.
tools: Read, Grep, Glob
---

You are ${name || 'my-agent'}. Describe how it works here.
`;

const SKILL_TEMPLATE = (name: string) => `---
name: ${name || 'my-skill'}
description: What this skill does and when to use it.
---

# ${name || 'my-skill'}

Steps and instructions.
`;

/** A 400 from the registry names the field at fault (`{error, field}`); it is shown beside the editor. */
function EditorError({ error }: { error: unknown }) {
  if (!error) return null;
  const field = error instanceof ApiError ? error.field : undefined;
  const problems = error instanceof ApiError ? error.details : [];
  return (
    <div role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="editor-error">
      {field && <span className="mr-1 rounded bg-red-200 px-1.5 py-0.5 font-mono text-xs">{field}</span>}
      {problems.length > 1 ? (
        <>
          {problems.length} problems:
          <ul className="mt-1 list-disc pl-5">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </>
      ) : (
        (error as Error).message
      )}
    </div>
  );
}

function List({ kind }: { kind: Kind }) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const q = useQuery({ queryKey: ['registry', kind], queryFn: () => api.get<Record<Kind, Entry[]>>(`/api/registry/${kind}`) });
  const create = useMutation({
    mutationFn: () =>
      api.post(`/api/registry/${kind}`, kind === 'agents' ? { name: name.trim(), content: AGENT_TEMPLATE(name.trim()) } : { name: name.trim(), files: { 'SKILL.md': SKILL_TEMPLATE(name.trim()) } }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['registry', kind] });
      navigate(`/registry/${kind}/${encodeURIComponent(name.trim())}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const entries = q.data?.[kind] ?? [];
  return (
    <Card
      title={kind === 'agents' ? 'Agents' : 'Skills'}
      actions={
        !creating && (
          <Button size="sm" tone="primary" onClick={() => setCreating(true)}>
            {kind === 'agents' ? 'New agent' : 'New skill'}
          </Button>
        )
      }
    >
      {creating && (
        <form onSubmit={submit} className="mb-4 flex flex-wrap items-end gap-2" aria-label={kind === 'agents' ? 'New agent' : 'New skill'}>
          <div className="w-64">
            <Field label="Name" hint="lowercase letters, digits and dashes">
              {(id) => <Input id={id} value={name} onChange={(e) => setName(e.target.value)} required autoFocus />}
            </Field>
          </div>
          <Button type="submit" tone="primary" disabled={create.isPending || !name.trim()}>
            Create
          </Button>
          <Button onClick={() => setCreating(false)}>Cancel</Button>
          <div className="w-full">
            <EditorError error={create.error} />
          </div>
        </form>
      )}
      {q.isPending && <Loading />}
      <ErrorBox error={q.error} retry={() => void q.refetch()} />
      {q.isSuccess && entries.length === 0 && <Empty>None yet.</Empty>}
      <ul className="divide-y divide-stone-100" aria-label={kind}>
        {entries.map((e) => (
          <li key={e.name} className="flex flex-wrap items-baseline gap-2 py-2">
            <Link to={`/registry/${kind}/${encodeURIComponent(e.name)}`} className="font-mono text-sm font-medium text-orange-800 hover:underline">
              {e.name}
            </Link>
            {e.builtin && <Badge tone="blue">built-in</Badge>}
            {e.overridden && <Badge tone="amber">edited</Badge>}
            {e.model && <Badge>{e.model}</Badge>}
            <span className="w-full text-xs text-stone-600 sm:w-auto sm:flex-1">{e.description}</span>
          </li>
        ))}
      </ul>
    </Card>
  );
}

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
  return (
    <>
      <PageHeader title="Registry">
        <nav aria-label="Registry" className="flex gap-1">
          {(['agents', 'skills'] as const).map((k) => (
            <NavLink key={k} to={`/registry/${k}`} className={({ isActive }) => cx('rounded-md px-3 py-1.5 text-sm', isActive ? 'bg-stone-800 text-white' : 'bg-white ring-1 ring-stone-300 hover:bg-stone-100')}>
              {k === 'agents' ? 'Agents' : 'Skills'}
            </NavLink>
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
