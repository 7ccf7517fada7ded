import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { duration, plural, usd } from '../../lib/format';
import { useDashboardStatus, useHealth } from '../../lib/status';
import { Card, cx, ErrorBox, PageHeader, Stat } from '../../components/ui';
import { TaskDetail } from './task-detail';
import { TaskList } from './task-list';
import { WorkersCard } from './workers-card';

function StatusCards() {
  const status = useDashboardStatus();
  const health = useHealth();
  const s = status.data;
  const healthy = health.data?.status === 'ok';
  return (
    <>
      <ErrorBox error={status.error} retry={() => void status.refetch()} className="mb-3" />
      <div className="mb-5 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
        <Stat
          label="Health"
          value={health.isPending ? '…' : health.error ? 'unreachable' : health.data?.status}
          tone={health.isPending ? undefined : healthy ? 'ok' : 'bad'}
          sub={health.data?.checks ? Object.entries(health.data.checks).map(([k, v]) => `${k} ${String(v)}`).join(' · ') : undefined}
        />
        <Stat label="Queue depth" value={s?.queue_depth ?? '…'} sub={s ? `${s.queue} queue · ${s.queued} queued` : undefined} />
        <Stat
          label="Running / capacity"
          value={s ? `${s.running} / ${s.capacity}` : '…'}
          tone={s && s.workers_live === 0 ? 'warn' : undefined}
          sub={s ? `${plural(s.workers_live, 'live worker')}${s.global_max_concurrent_tasks ? ` · global limit ${s.global_max_concurrent_tasks}` : ''}` : undefined}
        />
        <Stat label="Cost today" value={s ? usd(s.cost_today_usd) : '…'} sub={s ? `${plural(s.tasks_today, 'task')} today (UTC)` : undefined} />
        <Stat label="Waiting approval" value={s?.waiting_approval ?? '…'} tone={s && s.waiting_approval > 0 ? 'warn' : undefined} sub={s && s.waiting_approval > 0 ? 'approve or reject below' : undefined} />
        <Stat label="Up" value={s ? duration(s.uptime_seconds * 1000) : '…'} sub={s ? `${s.role} · ${s.storage}` : undefined} />
      </div>
    </>
  );
}

export function OverviewPage() {
  const { taskId } = useParams();
  const [status, setStatus] = useState('');
  return (
    <>
      <PageHeader title="Overview" />
      <StatusCards />
      <WorkersCard />
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-5">
        <div className={cx('lg:col-span-2', taskId && 'hidden lg:block')}>
          <TaskList status={status} onStatus={setStatus} selected={taskId} />
        </div>
        <div className={cx('min-w-0 lg:col-span-3', !taskId && 'hidden lg:block')}>
          {taskId ? (
            <Card
              title="Task"
              actions={
                <Link to="/" className="text-xs text-orange-800 underline lg:hidden">
                  Back to the list
                </Link>
              }
            >
              <TaskDetail key={taskId} taskId={taskId} />
            </Card>
          ) : (
            <div className="flex h-48 items-center justify-center rounded-lg border border-dashed border-stone-300 text-sm text-stone-500">Open a task to watch its run live.</div>
          )}
        </div>
      </div>
    </>
  );
}
