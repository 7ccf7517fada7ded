import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, Route, Routes, useLocation, useNavigate, useParams } from 'react-router-dom';
import { api } from '../../lib/api-client';
import { plural, when } from '../../lib/format';
import { Badge, Button, Card, Checkbox, CopyButton, Empty, ErrorBox, Field, Input, Loading, PageHeader, Select } from '../../components/ui';
import { CommandEditor } from './command-editor';
import { StaticDetail } from './static-route';
import { DryRun, Inspector } from './inspector';
import { type Command, DYNAMIC_PROVIDERS as PROVIDERS, type WebhookConfig, type WebhookDetail as Detail, type WebhookList as List } from '../../lib/contracts';

function SecretOnce({ secret, header, onDismiss }: { secret: string; header?: string; onDismiss: () => void }) {
  return (
    <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm" data-testid="webhook-secret">
      <p className="font-medium text-amber-900">The signing secret — shown this once. Store it in the provider's webhook settings now.</p>
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <code className="break-all rounded bg-white px-2 py-1 font-mono text-xs" data-secret>
          {secret}
        </code>
        <CopyButton text={secret} />
        <Button size="sm" tone="ghost" onClick={onDismiss}>
          I stored it
        </Button>
      </div>
      {header && <p className="mt-2 text-xs text-amber-900">Signed with {header}</p>}
    </div>
  );
}

function NewWebhook({ onCreated }: { onCreated: (w: WebhookConfig) => void }) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [provider, setProvider] = useState<string>('github');
  const [secret, setSecret] = useState('');
  const create = useMutation({
    mutationFn: () => api.post<WebhookConfig>('/api/webhooks', { name: name.trim(), provider, ...(secret ? { secret } : {}) }),
    onSuccess: (w) => {
      setName('');
      setSecret('');
      void client.invalidateQueries({ queryKey: ['webhooks'] });
      onCreated(w);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-2" aria-label="New webhook">
      <div className="w-56">
        <Field label="Name">{(id) => <Input id={id} value={name} onChange={(e) => setName(e.target.value)} placeholder="Deploy failures" required />}</Field>
      </div>
      <div className="w-32">
        <Field label="Provider">
          {(id) => (
            <Select id={id} value={provider} onChange={(e) => setProvider(e.target.value)}>
              {PROVIDERS.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </Select>
          )}
        </Field>
      </div>
      <div className="w-64">
        <Field label="Secret (optional)" hint="blank: the service generates one">
          {(id) => <Input id={id} type="password" autoComplete="new-password" value={secret} onChange={(e) => setSecret(e.target.value)} />}
        </Field>
      </div>
      <Button type="submit" tone="primary" disabled={create.isPending || !name.trim()}>
        Create webhook
      </Button>
      <ErrorBox error={create.error} className="w-full" />
    </form>
  );
}

function WebhookList() {
  const navigate = useNavigate();
  const q = useQuery({ queryKey: ['webhooks'], queryFn: () => api.get<List>('/api/webhooks') });
  return (
    <>
      <PageHeader title="Webhooks" />
      <div className="grid grid-cols-1 gap-4">
        <Card title="Dynamic webhooks">
          <NewWebhook onCreated={(w) => navigate(`/hooks/${w.webhook_id}`, { state: { secret: w.secret, signature_header: w.signature_header } })} />
          <div className="mt-4">
            {q.isPending && <Loading label="Loading webhooks…" />}
            <ErrorBox error={q.error} retry={() => void q.refetch()} />
            {q.isSuccess && q.data.webhooks.length === 0 && <Empty>No dynamic webhooks yet. Create one above: it gets its own URL, secret and rules.</Empty>}
            {q.isSuccess && q.data.webhooks.length > 0 && (
              <ul className="divide-y divide-stone-100" aria-label="Dynamic webhooks">
                {q.data.webhooks.map((w) => (
                  <li key={w.webhook_id} className="flex flex-wrap items-center gap-2 py-2">
                    <Link to={`/hooks/${w.webhook_id}`} className="font-medium text-orange-800 hover:underline">
                      {w.name}
                    </Link>
                    <Badge>{w.provider}</Badge>
                    {!w.enabled && <Badge tone="amber">disabled</Badge>}
                    <span className="text-xs text-stone-500">{plural(w.commands_count ?? 0, 'command')}</span>
                    <code className="min-w-0 truncate text-xs text-stone-500">{w.endpoint_url}</code>
                    <span className="ml-auto text-xs text-stone-500">{when(w.created_at)}</span>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </Card>
        <Card title="Built-in routes">
          {q.isSuccess && (
            <ul className="divide-y divide-stone-100" aria-label="Built-in routes">
              {q.data.static.map((s) => (
                <li key={s.provider} className="flex flex-wrap items-center gap-2 py-2">
                  <Link to={`/hooks/static/${s.provider}`} className="font-medium text-orange-800 hover:underline">
                    {s.provider}
                  </Link>
                  {s.configured === false ? <Badge tone="amber">{s.secret_setting ?? 'secret'} not set</Badge> : <Badge tone="green">configured</Badge>}
                  {s.trigger_phrase && <span className="text-xs text-stone-600">trigger “{s.trigger_phrase}”</span>}
                  <span className="text-xs text-stone-500">{plural(s.commands.length, 'command')}</span>
                  <code className="ml-auto min-w-0 truncate text-xs text-stone-500">{s.endpoint_url}</code>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}

const commandsOf = (webhookId: string) => ({ base: `/api/webhooks/${encodeURIComponent(webhookId)}/commands`, queryKey: ['webhook', webhookId] });

function CommandRow({ webhookId, c }: { webhookId: string; c: Command }) {
  const client = useQueryClient();
  const [editing, setEditing] = useState(false);
  const remove = useMutation({
    mutationFn: () => api.delete(`/api/webhooks/${encodeURIComponent(webhookId)}/commands/${encodeURIComponent(c.command_id)}`),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['webhook', webhookId] }),
  });
  if (editing) return <CommandEditor target={commandsOf(webhookId)} command={c} onDone={() => setEditing(false)} />;
  return (
    <div className="rounded-md border border-stone-200 px-3 py-2" data-command={c.name}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-mono text-sm font-medium">{c.name}</span>
        <Badge tone="blue">{c.action}</Badge>
        <span className="font-mono text-xs text-stone-600">on {c.trigger}</span>
        <span className="text-xs text-stone-500">priority {c.priority}</span>
        {!c.enabled && <Badge tone="amber">disabled</Badge>}
        {c.needs_approval && <Badge tone="amber">{c.needs_approval === 'non-maintainers' ? 'approval unless a maintainer asks' : 'needs approval'}</Badge>}
        {c.stop_after_match && <Badge>stops the rest</Badge>}
        <span className="ml-auto flex gap-1">
          <Button size="sm" onClick={() => setEditing(true)}>
            Edit
          </Button>
          <Button size="sm" tone="danger" disabled={remove.isPending} onClick={() => confirm(`Delete command ${c.name}?`) && remove.mutate()}>
            Delete
          </Button>
        </span>
      </div>
      {c.conditions !== null && c.conditions !== undefined && <pre className="mt-1 overflow-x-auto text-xs text-stone-600">if {JSON.stringify(c.conditions)}</pre>}
      {c.template && <p className="mt-1 line-clamp-2 whitespace-pre-wrap text-xs text-stone-600">{c.template}</p>}
      <ErrorBox error={remove.error} className="mt-1" />
    </div>
  );
}

function WebhookDetail() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const location = useLocation();
  const [shown, setShown] = useState<{ secret?: string; signature_header?: string } | null>(() => (location.state as { secret?: string } | null) ?? null);
  useEffect(() => {
    // The secret came along with the navigation; it must not stay in the tab's history where a reload shows it again.
    if (location.state) navigate(location.pathname, { replace: true, state: null });
  }, [location.state, location.pathname, navigate]);
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState<string | null>(null);
  const q = useQuery({ queryKey: ['webhook', id], queryFn: () => api.get<Detail>(`/api/webhooks/${encodeURIComponent(id)}`) });
  const patch = useMutation({
    mutationFn: (body: Record<string, unknown>) => api.patch<WebhookConfig>(`/api/webhooks/${encodeURIComponent(id)}`, body),
    onSuccess: (w) => {
      if (w.secret) setShown({ secret: w.secret, signature_header: q.data?.signature_header });
      setName(null);
      void client.invalidateQueries({ queryKey: ['webhook', id] });
      void client.invalidateQueries({ queryKey: ['webhooks'] });
    },
  });
  const remove = useMutation({
    mutationFn: () => api.delete(`/api/webhooks/${encodeURIComponent(id)}`),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['webhooks'] });
      navigate('/hooks');
    },
  });
  if (q.isPending) return <Loading label="Loading the webhook…" />;
  if (q.error) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  const w = q.data;
  const base = `/api/webhooks/${encodeURIComponent(id)}`;
  return (
    <>
      <PageHeader title={w.name}>
        <Link to="/hooks" className="text-sm text-orange-800 underline">
          All webhooks
        </Link>
      </PageHeader>
      <div className="grid grid-cols-1 gap-4">
        {shown?.secret && <SecretOnce secret={shown.secret} header={shown.signature_header ?? w.signature_header} onDismiss={() => setShown(null)} />}
        <Card title="Settings" actions={<Badge>{w.provider}</Badge>}>
          <div className="flex flex-col gap-3">
            <div>
              <p className="text-xs font-medium text-stone-600">Endpoint URL</p>
              <div className="mt-1 flex flex-wrap items-center gap-2">
                <code className="break-all rounded bg-stone-100 px-2 py-1 text-xs" data-endpoint>
                  {w.endpoint_url}
                </code>
                <CopyButton text={w.endpoint_url} />
              </div>
              {w.signature_header && <p className="mt-1 text-xs text-stone-500">Signature header: {w.signature_header}</p>}
            </div>
            <form
              className="flex flex-wrap items-end gap-2"
              onSubmit={(e) => {
                e.preventDefault();
                if (name !== null) patch.mutate({ name });
              }}
            >
              <div className="w-64">
                <Field label="Name">{(fid) => <Input id={fid} value={name ?? w.name} onChange={(e) => setName(e.target.value)} />}</Field>
              </div>
              {name !== null && name !== w.name && (
                <Button type="submit" disabled={patch.isPending}>
                  Rename
                </Button>
              )}
              <Checkbox label="Enabled" checked={w.enabled} disabled={patch.isPending} onChange={(e) => patch.mutate({ enabled: e.target.checked })} />
              <Button onClick={() => confirm('Rotate the secret? The provider must get the new one.') && patch.mutate({ rotate_secret: true })} disabled={patch.isPending}>
                Rotate secret
              </Button>
              <Button tone="danger" onClick={() => confirm(`Delete ${w.name} and its commands?`) && remove.mutate()} disabled={remove.isPending}>
                Delete webhook
              </Button>
            </form>
            <ErrorBox error={patch.error ?? remove.error} />
          </div>
        </Card>
        <Card title="Commands" actions={!adding && <Button size="sm" tone="primary" onClick={() => setAdding(true)}>Add command</Button>}>
          <div className="flex flex-col gap-2">
            {adding && <CommandEditor target={commandsOf(id)} onDone={() => setAdding(false)} />}
            {(w.commands ?? []).length === 0 && !adding && <Empty>No commands: deliveries are recorded, nothing runs. Add one to act on them.</Empty>}
            {(w.commands ?? []).map((c) => (
              <CommandRow key={c.command_id} webhookId={id} c={c} />
            ))}
          </div>
        </Card>
        <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
          <Inspector base={base} />
          <DryRun base={base} provider={w.provider} />
        </div>
      </div>
    </>
  );
}

export function WebhooksPage() {
  return (
    <Routes>
      <Route index element={<WebhookList />} />
      <Route path="static/:provider" element={<StaticDetail />} />
      <Route path=":id" element={<WebhookDetail />} />
    </Routes>
  );
}
