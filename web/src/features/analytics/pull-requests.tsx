import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api-client';
import type { PullRequestRates } from '../../lib/contracts';
import { int, percent } from '../../lib/format';
import { Card, Empty, ErrorBox, Loading } from '../../components/ui';
import { StatTable } from './stat-table';

/** What became of the pull requests the service opened, per agent and command (GET /api/analytics/pull-requests). */
export function PullRequestsCard() {
  const q = useQuery({ queryKey: ['analytics', 'pull-requests'], queryFn: () => api.get<PullRequestRates>('/api/analytics/pull-requests') });
  return (
    <Card title="Pull requests">
      {q.isPending && <Loading label="Loading pull requests…" />}
      <ErrorBox error={q.error} retry={() => void q.refetch()} />
      {q.data && q.data.rows.length === 0 && <Empty>No pull requests opened yet.</Empty>}
      {q.data && q.data.rows.length > 0 && (
        <StatTable headings={['Agent', 'Command', 'Opened', 'Merged', 'Closed', 'Open', 'Merge rate']} label="Merge rate per agent and command">
          {q.data.rows.map((r) => (
            <tr key={`${r.agent ?? ''}/${r.command ?? ''}`}>
              <td className="py-1.5 pr-3 font-medium">{r.agent ?? '(default)'}</td>
              <td className="py-1.5 pr-3">{r.command ?? '—'}</td>
              <td className="py-1.5 pr-3">{int(r.opened)}</td>
              <td className="py-1.5 pr-3">{int(r.merged)}</td>
              <td className="py-1.5 pr-3">{int(r.closed)}</td>
              <td className="py-1.5 pr-3">{int(r.open)}</td>
              <td className="py-1.5 pr-3">{percent(r.merge_rate)}</td>
            </tr>
          ))}
        </StatTable>
      )}
    </Card>
  );
}
