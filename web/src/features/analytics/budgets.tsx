import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../lib/api-client';
import { BUDGET_SCOPES, BudgetCreate, BudgetPatch, type BudgetState } from '../../lib/contracts';
import { usd } from '../../lib/format';
import { Badge, Button, Card, Checkbox, cx, Empty, ErrorBox, Field, Input, Loading, Select } from '../../components/ui';

export type Budget = BudgetState;

const SCOPES = BUDGET_SCOPES;
const KEYED = new Set(['source', 'requester', 'rule']);
const KEY_HINT: Record<string, string> = { source: 'e.g. github, slack, dashboard', requester: 'e.g. github:octocat', rule: 'a command name' };

const issues = (error: { issues: Array<{ path: PropertyKey[]; message: string }> }) => error.issues.map((i) => `${i.path.join('.') || 'budget'}: ${i.message}`).join('; ');

function BudgetRow({ budget }: { budget: Budget }) {
  const client = useQueryClient();
  const [limit, setLimit] = useState(String(budget.limit_usd));
  const [invalid, setInvalid] = useState<string | null>(null);
  const done = () => void client.invalidateQueries({ queryKey: ['budgets'] }).then(() => client.invalidateQueries({ queryKey: ['analytics', 'summary'] }));
  const patch = useMutation({ mutationFn: (body: BudgetPatch) => api.patch(`/api/budgets/${encodeURIComponent(budget.budget_id)}`, body), onSuccess: done });
  const remove = useMutation({ mutationFn: () => api.delete(`/api/budgets/${encodeURIComponent(budget.budget_id)}`), onSuccess: done });
  const save = (body: Record<string, unknown>) => {
    const parsed = BudgetPatch.safeParse(body);
    if (!parsed.success) return setInvalid(issues(parsed.error));
    setInvalid(null);
    patch.mutate(parsed.data);
  };
  const spent = budget.spent_usd ?? 0;
  const share = budget.limit_usd > 0 ? Math.min(1, spent / budget.limit_usd) : 0;
  return (
    <tr className="align-top">
      <td className="py-2 pr-3">
        <span className="font-medium">{budget.scope}</span>
        {budget.key && <span className="block break-all font-mono text-xs text-stone-600">{budget.key}</span>}
      </td>
      <td className="py-2 pr-3 text-xs text-stone-600">per {budget.period}</td>
      <td className="py-2 pr-3">
        <form
          className="flex items-center gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            save({ limit_usd: Number(limit) });
          }}
        >
          <label className="sr-only" htmlFor={`limit-${budget.budget_id}`}>
            Limit in USD
          </label>
          <Input id={`limit-${budget.budget_id}`} className="w-24" type="number" min="0" step="0.01" value={limit} onChange={(e) => setLimit(e.target.value)} />
          {Number(limit) !== budget.limit_usd && (
            <Button size="sm" type="submit" disabled={patch.isPending}>
              Save
            </Button>
          )}
        </form>
      </td>
      <td className="py-2 pr-3">
        {budget.period === 'task' ? (
          <span className="text-xs text-stone-500">each task</span>
        ) : (
          <div className="w-36">
            <div className="h-1.5 overflow-hidden rounded bg-stone-200" aria-hidden>
              <div className={cx('h-full', share >= 1 ? 'bg-red-600' : share > 0.8 ? 'bg-amber-500' : 'bg-emerald-600')} style={{ width: `${share * 100}%` }} />
            </div>
            <span className="text-xs tabular-nums text-stone-600">
              {usd(spent, 2)} spent · {usd(budget.remaining_usd ?? Math.max(0, budget.limit_usd - spent), 2)} left
            </span>
          </div>
        )}
      </td>
      <td className="py-2 pr-3">
        <Checkbox label={budget.enabled ? 'on' : 'off'} checked={budget.enabled} disabled={patch.isPending} onChange={(e) => save({ enabled: e.target.checked })} />
      </td>
      <td className="py-2 text-right">
        <Button size="sm" tone="danger" disabled={remove.isPending} onClick={() => confirm(`Delete the ${budget.scope} budget${budget.key ? ` for ${budget.key}` : ''}?`) && remove.mutate()}>
          Delete
        </Button>
        {(invalid || patch.error || remove.error) && <ErrorBox className="mt-1 text-left text-xs" error={invalid ? new Error(invalid) : (patch.error ?? remove.error)} />}
      </td>
    </tr>
  );
}

function NewBudget() {
  const client = useQueryClient();
  const [scope, setScope] = useState<(typeof SCOPES)[number]>('global');
  const [key, setKey] = useState('');
  const [limit, setLimit] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (body: unknown) => api.post('/api/budgets', body),
    onSuccess: () => {
      setKey('');
      setLimit('');
      void client.invalidateQueries({ queryKey: ['budgets'] });
      void client.invalidateQueries({ queryKey: ['analytics', 'summary'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = { scope, key: KEYED.has(scope) ? key.trim() || null : null, limit_usd: Number(limit), enabled: true };
    const parsed = BudgetCreate.safeParse(body);
    if (!parsed.success) return setInvalid(issues(parsed.error));
    setInvalid(null);
    create.mutate(body);
  };
  return (
    <form onSubmit={submit} className="mt-4 flex flex-wrap items-end gap-2 border-t border-stone-100 pt-4" aria-label="New budget">
      <div className="w-32">
        <Field label="Scope">
          {(id) => (
            <Select id={id} value={scope} onChange={(e) => setScope(e.target.value as (typeof SCOPES)[number])}>
              {SCOPES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </Select>
          )}
        </Field>
      </div>
      {KEYED.has(scope) && (
        <div className="w-48">
          <Field label="Key">{(id) => <Input id={id} value={key} onChange={(e) => setKey(e.target.value)} placeholder={KEY_HINT[scope]} />}</Field>
        </div>
      )}
      <div className="w-32">
        <Field label={scope === 'task' ? 'Limit per task (USD)' : 'Limit per day (USD)'}>{(id) => <Input id={id} type="number" min="0" step="0.01" value={limit} onChange={(e) => setLimit(e.target.value)} />}</Field>
      </div>
      <Button type="submit" tone="primary" disabled={create.isPending}>
        Add budget
      </Button>
      {(invalid || create.error) && <ErrorBox className="w-full" error={invalid ? new Error(invalid) : create.error} />}
    </form>
  );
}

export function BudgetsCard() {
  const query = useQuery({
    queryKey: ['budgets'],
    queryFn: async () => {
      const body = await api.get<Budget[] | { budgets: Budget[] }>('/api/budgets');
      return Array.isArray(body) ? body : body.budgets;
    },
  });
  return (
    <Card title="Budgets" actions={<Badge tone="blue">a run that crosses its budget is stopped</Badge>}>
      {query.isPending && <Loading label="Loading budgets…" />}
      <ErrorBox error={query.error} retry={() => void query.refetch()} />
      {query.isSuccess && query.data.length === 0 && <Empty>No budgets: spending is not limited.</Empty>}
      {query.isSuccess && query.data.length > 0 && (
        <div className="overflow-x-auto">
          <table className="w-full text-sm">
            <thead>
              <tr className="text-left text-xs text-stone-500">
                <th className="pb-1 font-medium">Scope</th>
                <th className="pb-1 font-medium">Period</th>
                <th className="pb-1 font-medium">Limit</th>
                <th className="pb-1 font-medium">Spent</th>
                <th className="pb-1 font-medium">Enabled</th>
                <th className="pb-1" />
              </tr>
            </thead>
            <tbody className="divide-y divide-stone-100">
              {query.data.map((b) => (
                <BudgetRow key={`${b.budget_id}:${b.limit_usd}`} budget={b} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {!(query.error && (query.error as { status?: number }).status === 404) && <NewBudget />}
    </Card>
  );
}
