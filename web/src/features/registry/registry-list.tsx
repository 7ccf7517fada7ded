import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../../lib/api-client';
import type { AgentSummary, SkillSummary } from '../../lib/contracts';
import { percent, plural, usd } from '../../lib/format';
import { Badge, Button, Card, Empty, ErrorBox, Field, Input, Loading } from '../../components/ui';
import { EditorError } from './editor-error';

export type Kind = 'agents' | 'skills';

/** A listed agent or skill: what both lists and the editors' actions share. */
export type Entry = Pick<AgentSummary & SkillSummary, 'name' | 'builtin' | 'overridden'> & { description?: string | null; model?: string | null };

/** As the lists show it: with how it has done. */
type ListEntry = Entry & Pick<AgentSummary & SkillSummary, 'runs' | 'cost_usd' | 'success_rate'>;

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

/** How often it ran and what that cost; an agent's runs open in the Ledger. */
function Usage({ kind, entry }: { kind: Kind; entry: ListEntry }) {
  const figures = entry.runs === 0 ? 'no runs yet' : `${plural(entry.runs, 'run')} · ${usd(entry.cost_usd)} · ${percent(entry.success_rate)} success`;
  return (
    <span className="shrink-0 text-xs tabular-nums text-stone-500" data-usage>
      {kind === 'agents' && entry.runs > 0 ? (
        <Link to={`/ledger?agent=${encodeURIComponent(entry.name)}`} className="hover:underline" title="These runs in the Ledger">
          {figures}
        </Link>
      ) : (
        figures
      )}
    </span>
  );
}

export function List({ kind }: { kind: Kind }) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const q = useQuery({ queryKey: ['registry', kind], queryFn: () => api.get<Record<Kind, ListEntry[]>>(`/api/registry/${kind}`) });
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
            <Usage kind={kind} entry={e} />
          </li>
        ))}
      </ul>
    </Card>
  );
}
