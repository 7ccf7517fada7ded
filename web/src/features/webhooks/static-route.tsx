import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api } from '../../lib/api-client';
import { Badge, Button, Card, ErrorBox, Loading, PageHeader } from '../../components/ui';
import { CommandEditor, type CommandTarget } from './command-editor';
import { DryRun, Inspector } from './inspector';
import type { StaticCommand, StaticRoute } from '../../lib/contracts';
import { ScheduleLine } from './schedule-line';

/** One rule of a built-in route: edited like a dynamic webhook's (a built-in becomes an override), restored by deleting the override. */
function StaticRule({ target, c }: { target: CommandTarget; c: StaticCommand }) {
  const client = useQueryClient();
  const [editing, setEditing] = useState(false);
  const remove = useMutation({
    mutationFn: () => api.delete(`${target.base}/${encodeURIComponent(c.name)}`),
    onSuccess: () => void client.invalidateQueries({ queryKey: target.queryKey }),
  });
  if (editing) return <CommandEditor target={target} command={c} onDone={() => setEditing(false)} />;
  const removal = c.overridden ? 'Restore built-in' : c.builtin ? null : 'Delete';
  return (
    <li className="flex flex-wrap items-center gap-2 py-1.5" data-command={c.name}>
      <span className="font-mono font-medium">{c.name}</span>
      <Badge tone="blue">{c.action}</Badge>
      {c.overridden && <Badge tone="amber">overridden</Badge>}
      {!c.builtin && <Badge tone="blue">user</Badge>}
      {!c.enabled && <Badge tone="amber">disabled</Badge>}
      {c.description && <span className="text-xs text-stone-600">{c.description}</span>}
      <span className="ml-auto flex gap-1">
        <Button size="sm" onClick={() => setEditing(true)}>
          Edit
        </Button>
        {removal && (
          <Button size="sm" tone="danger" disabled={remove.isPending} onClick={() => confirm(`${removal}: ${c.name}?`) && remove.mutate()}>
            {removal}
          </Button>
        )}
      </span>
      {c.schedule && (
        <div className="w-full">
          <ScheduleLine schedule={c.schedule} nextRuns={c.next_runs} />
        </div>
      )}
      <ErrorBox error={remove.error} className="w-full" />
    </li>
  );
}

export function StaticDetail() {
  const { provider = '' } = useParams();
  const base = `/api/webhooks/static/${encodeURIComponent(provider)}`;
  const target: CommandTarget = { base: `${base}/commands`, queryKey: ['webhook-static', provider] };
  const q = useQuery({ queryKey: target.queryKey, queryFn: () => api.get<StaticRoute>(base) });
  const [adding, setAdding] = useState(false);
  return (
    <>
      <PageHeader title={`Built-in route: ${provider}`}>
        <Link to="/hooks" className="text-sm text-orange-800 underline">
          All webhooks
        </Link>
      </PageHeader>
      <div className="grid grid-cols-1 gap-4">
        <Card title="Route" actions={!adding && <Button size="sm" tone="primary" onClick={() => setAdding(true)}>Add command</Button>}>
          {q.isPending && <Loading />}
          <ErrorBox error={q.error} retry={() => void q.refetch()} />
          {q.data && (
            <div className="flex flex-col gap-3 text-sm">
              <p>
                <code className="rounded bg-stone-100 px-2 py-1 text-xs">{q.data.endpoint_url}</code>{' '}
                {q.data.configured === false && <Badge tone="amber">{q.data.secret_setting} is not set: deliveries are refused</Badge>}
              </p>
              {q.data.trigger_phrase && <p>Trigger phrase: “{q.data.trigger_phrase}”</p>}
              {adding && <CommandEditor target={target} onDone={() => setAdding(false)} />}
              <ul className="divide-y divide-stone-100" aria-label="Commands">
                {q.data.commands.map((c) => (
                  <StaticRule key={c.name} target={target} c={c} />
                ))}
              </ul>
            </div>
          )}
        </Card>
        <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
          <Inspector base={base} />
          <DryRun base={base} provider={provider} />
        </div>
      </div>
    </>
  );
}
