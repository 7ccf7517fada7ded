import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../../lib/api-client';
import { json, when } from '../../lib/format';
import { Badge, Button, Card, cx, Empty, ErrorBox, Field, Input, Loading, Pre, StatusBadge, TextArea } from '../../components/ui';
import type { Decision, Delivery, DeliveryList, DryRunResult, ReplayAccepted, ReplayOutcome } from '../../lib/contracts';

function Decisions({ decisions }: { decisions: Decision[] }) {
  return (
    <ul className="flex flex-col gap-1 text-xs" aria-label="Rule decisions">
      {decisions.map((d, i) => (
        <li key={`${d.command}-${i}`} className="flex gap-2">
          <span className={cx('mt-0.5 shrink-0 font-bold', d.matched ? 'text-emerald-700' : 'text-stone-400')} aria-label={d.matched ? 'matched' : 'did not match'}>
            {d.matched ? '✓' : '✗'}
          </span>
          <span>
            <span className="font-mono font-medium">{d.command ?? '(route)'}</span> — {d.why}
          </span>
        </li>
      ))}
    </ul>
  );
}

interface ActionResult {
  command?: string;
  action?: string;
  status?: string;
  task_id?: string | null;
  error?: string | null;
  [k: string]: unknown;
}

/** What the rules did and any note the ingest left (reason, permission); anything else as JSON. */
function ExplanationRest({ explanation }: { explanation: string | Record<string, unknown> }) {
  if (typeof explanation === 'string') return <Pre>{explanation}</Pre>;
  const { actions, reason, why, permission, matched: _matched, ...other } = explanation;
  const notes = [reason, why, permission].filter((x): x is string => typeof x === 'string');
  return (
    <>
      {Array.isArray(actions) && actions.length > 0 && (
        <div>
          <h4 className="mb-1 text-xs font-semibold text-stone-600">Actions</h4>
          <ul className="flex flex-col gap-0.5 text-xs">
            {(actions as ActionResult[]).map((a, i) => (
              <li key={i}>
                <span className="font-mono">{a.command}</span> → {a.action} {a.status && <Badge tone={a.error ? 'red' : 'stone'}>{a.status}</Badge>}{' '}
                {a.task_id && (
                  <Link className="font-mono text-orange-800 underline" to={`/tasks/${a.task_id}`}>
                    {a.task_id}
                  </Link>
                )}
                {a.error && <span className="text-red-700"> {a.error}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
      {notes.map((n) => (
        <p key={n} className="text-xs text-stone-700">
          {n}
        </p>
      ))}
      {Object.keys(other).length > 0 && <Pre>{json(other)}</Pre>}
    </>
  );
}

function DeliveryDetail({ d, base }: { d: Delivery; base: string }) {
  const client = useQueryClient();
  const replay = useMutation({
    mutationFn: () => api.post<Partial<ReplayAccepted & ReplayOutcome>>(`${base}/events/${encodeURIComponent(d.event_id)}/replay`),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['webhook-events', base] }),
  });
  const explanation = typeof d.explanation === 'object' && d.explanation ? d.explanation : null;
  const { decisions, ...rest } = explanation ?? {};

  return (
    <div className="flex flex-col gap-3 border-t border-stone-100 px-3 pb-3 pt-2">
      <div className="flex flex-wrap items-center gap-2">
        <Button size="sm" tone="primary" onClick={() => replay.mutate()} disabled={replay.isPending}>
          {replay.isPending ? 'Replaying…' : 'Replay'}
        </Button>
        {replay.data?.task_id && (
          <span className="text-xs" role="status">
            Replayed: task{' '}
            <Link className="font-mono text-orange-800 underline" to={`/tasks/${replay.data.task_id}`}>
              {replay.data.task_id}
            </Link>
          </span>
        )}
        {replay.data && !replay.data.task_id && (
          <span className="text-xs" role="status">
            Replayed: {replay.data.outcome}
            {replay.data.reason ? ` — ${replay.data.reason}` : ''}
          </span>
        )}
        <ErrorBox error={replay.error} className="w-full" />
      </div>
      {!d.verified && <ErrorBox error={new Error(`signature not verified: ${d.verification_error ?? 'unknown reason'}`)} />}
      {Array.isArray(decisions) && decisions.length > 0 && (
        <div>
          <h4 className="mb-1 text-xs font-semibold text-stone-600">Why each rule matched or not</h4>
          <Decisions decisions={decisions as Decision[]} />
        </div>
      )}
      <ExplanationRest explanation={typeof d.explanation === 'string' ? d.explanation : rest} />
      {d.rendered_prompt && (
        <div>
          <h4 className="mb-1 text-xs font-semibold text-stone-600">Rendered prompt</h4>
          <Pre>{d.rendered_prompt}</Pre>
        </div>
      )}
      <details>
        <summary className="text-xs font-semibold text-stone-600">Headers</summary>
        <Pre className="mt-1">{json(d.headers)}</Pre>
      </details>
      <details>
        <summary className="text-xs font-semibold text-stone-600">Payload</summary>
        {d.payload_truncated && (
          <p className="mt-1 flex flex-wrap items-center gap-2 text-xs text-stone-600">
            The first 64 KiB of {d.payload_size?.toLocaleString('en-US')} characters.
            <Button size="sm" onClick={() => void api.download(`${base}/events/${encodeURIComponent(d.event_id)}/payload`, `${d.event_id}.txt`)}>
              Download the whole body
            </Button>
          </p>
        )}
        <Pre className="mt-1">{json(d.payload)}</Pre>
      </details>
    </div>
  );
}

/** Every delivery a route received, newest first: verified or not, which rule matched and why, the task it made. */
/** `?delivery=<event id>` (an approval card's link) opens that delivery and brings it into view. */
export function Inspector({ base }: { base: string }) {
  const [search] = useSearchParams();
  const linked = search.get('delivery');
  const [open, setOpen] = useState<string | null>(linked);
  const q = useQuery({ queryKey: ['webhook-events', base], queryFn: () => api.get<DeliveryList>(`${base}/events?limit=50`), refetchInterval: 10_000 });
  const found = !!linked && !!q.data?.events.some((d) => d.event_id === linked);
  useEffect(() => {
    if (found && linked) document.querySelector(`[data-event-id="${CSS.escape(linked)}"]`)?.scrollIntoView({ block: 'center' });
  }, [found, linked]);
  return (
    <Card title="Deliveries" actions={<Button size="sm" onClick={() => void q.refetch()} disabled={q.isFetching}>Refresh</Button>}>
      {q.isPending && <Loading label="Loading deliveries…" />}
      <ErrorBox error={q.error} retry={() => void q.refetch()} />
      {q.isSuccess && linked && !found && <p className="mb-2 text-xs text-stone-500">Delivery {linked} is not among the 50 newest shown here.</p>}
      {q.isSuccess && q.data.events.length === 0 && <Empty>No deliveries yet. Point the provider at the endpoint URL, or use the dry run.</Empty>}
      <ul className="flex flex-col gap-2" aria-label="Deliveries">
        {q.data?.events.map((d) => (
          <li key={d.event_id} className={cx('rounded-md border', d.event_id === linked ? 'border-orange-400 ring-1 ring-orange-300' : 'border-stone-200')} data-event-id={d.event_id} aria-current={d.event_id === linked ? 'true' : undefined}>
            <button type="button" aria-expanded={open === d.event_id} onClick={() => setOpen(open === d.event_id ? null : d.event_id)} className="flex w-full flex-wrap items-center gap-2 px-3 py-2 text-left text-sm hover:bg-stone-50">
              <span className="font-mono text-xs">{d.event_type ?? '(unknown event)'}</span>
              {d.verified ? <Badge tone="green">verified</Badge> : <Badge tone="red">not verified</Badge>}
              {d.matched_command ? <Badge tone="blue">matched {d.matched_command}</Badge> : <Badge>no rule matched</Badge>}
              {d.replay_of && <Badge tone="amber">replay</Badge>}
              {d.outcome && <span className="text-xs text-stone-500">{d.outcome}</span>}
              {d.status_code !== null && <span className="text-xs text-stone-500">HTTP {d.status_code}</span>}
              {d.task_status && <StatusBadge status={d.task_status} outcome={d.task_outcome} />}
              <span className="ml-auto text-xs text-stone-500">{when(d.created_at)}</span>
            </button>
            {open === d.event_id && <DeliveryDetail d={d} base={base} />}
          </li>
        ))}
      </ul>
    </Card>
  );
}

/** Runs a payload through the rules without running anything. */
export function DryRun({ base, provider }: { base: string; provider: string }) {
  const [payload, setPayload] = useState('{\n  "event_type": "deploy.failed",\n  "env": "prod"\n}');
  const [eventType, setEventType] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const run = useMutation({ mutationFn: (body: unknown) => api.post<DryRunResult>(`${base}/test`, body) });
  const submit = () => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch (err) {
      setInvalid(`payload is not JSON: ${(err as Error).message}`);
      return;
    }
    setInvalid(null);
    run.mutate({ payload: parsed, ...(eventType.trim() ? { event_type: eventType.trim() } : {}) });
  };
  return (
    <Card title="Dry run">
      <div className="flex flex-col gap-2">
        <Field label="Payload (JSON)" error={invalid}>
          {(id) => <TextArea id={id} rows={7} value={payload} onChange={(e) => setPayload(e.target.value)} />}
        </Field>
        <div className="flex flex-wrap items-end gap-2">
          <div className="w-56">
            <Field label="Event type" hint={provider === 'github' ? 'e.g. issues.opened' : provider === 'generic' ? 'or event_type in the payload' : undefined}>
              {(id) => <Input id={id} value={eventType} onChange={(e) => setEventType(e.target.value)} placeholder="from the payload" />}
            </Field>
          </div>
          <Button tone="primary" onClick={submit} disabled={run.isPending}>
            Test
          </Button>
        </div>
        <ErrorBox error={run.error} />
        {run.data && (
          <div className="flex flex-col gap-2 rounded-md bg-stone-50 p-3" role="status">
            <p className="text-sm">
              Event type: <span className="font-mono">{run.data.event_type ?? '—'}</span>
              {run.data.note && <span className="text-stone-600"> · {run.data.note}</span>}
            </p>
            {run.data.decisions.length > 0 ? <Decisions decisions={run.data.decisions} /> : <p className="text-xs text-stone-500">No rules to evaluate.</p>}
            {run.data.would.length > 0 && (
              <>
                <h4 className="text-xs font-semibold text-stone-600">Would run</h4>
                <Pre>{json(run.data.would)}</Pre>
              </>
            )}
          </div>
        )}
      </div>
    </Card>
  );
}
