import { when } from '../../lib/format';
import { useWorkers } from '../../lib/status';
import { Badge, Card, cx, ErrorBox } from '../../components/ui';

const STATE_TONE = { live: 'green', draining: 'amber', gone: 'stone' } as const;

/** The worker processes: each one's load (running / capacity), last heartbeat and state; a dead one shows as gone. */
export function WorkersCard() {
  const workers = useWorkers();
  const list = workers.data;
  return (
    <Card title="Workers" actions={list ? <span className="text-xs text-stone-500">{`${list.totals.live} live · ${list.totals.running} / ${list.totals.capacity} running`}</span> : undefined} className="mb-5">
      <ErrorBox error={workers.error} retry={() => void workers.refetch()} />
      {list && list.workers.length === 0 && <p className="text-sm text-stone-500">No worker has registered yet: start one (`main.ts worker`, or `start`).</p>}
      {list && list.workers.length > 0 && (
        <ul className="divide-y divide-stone-100" aria-label="workers">
          {list.workers.map((w) => (
            <li key={w.worker_id} data-worker={w.worker_id} data-state={w.state} className={cx('flex flex-wrap items-center gap-x-3 gap-y-1 py-1.5 text-sm', w.state === 'gone' && 'text-stone-400')}>
              <Badge tone={STATE_TONE[w.state]}>{w.state}</Badge>
              <span className="font-mono text-xs">{`${w.host} · pid ${w.pid}`}</span>
              <span className="tabular-nums" title="running / capacity">{w.state === 'gone' ? '—' : `${w.running} / ${w.capacity}`}</span>
              <LoadBar running={w.running} capacity={w.capacity} gone={w.state === 'gone'} />
              <span className="ml-auto text-xs text-stone-500" title={w.last_seen_at}>
                {w.state === 'gone' ? `gone: ${w.gone_reason ?? ''} · last seen ${when(w.last_seen_at)}` : `seen ${when(w.last_seen_at)} · v${w.version}`}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function LoadBar({ running, capacity, gone }: { running: number; capacity: number; gone: boolean }) {
  const share = gone || capacity === 0 ? 0 : Math.min(1, running / capacity);
  return (
    <span className="inline-block h-1.5 w-20 overflow-hidden rounded bg-stone-200" aria-hidden>
      <span className={cx('block h-full', share >= 1 ? 'bg-amber-500' : 'bg-emerald-500')} style={{ width: `${Math.round(share * 100)}%` }} />
    </span>
  );
}
