import { useQuery } from '@tanstack/react-query';
import { api } from './api-client';

export interface DashboardStatus {
  status: string;
  demo_mode: boolean;
  role: string;
  storage: string;
  queue: string;
  queue_depth: number | null;
  running: number;
  queued: number;
  waiting_approval: number;
  max_concurrent_tasks: number;
  worker_running: number | null;
  tasks_by_status: Record<string, number>;
  tasks_today: number;
  cost_today_usd: number;
  uptime_seconds: number;
}

export function useDashboardStatus() {
  return useQuery({ queryKey: ['status'], queryFn: () => api.get<DashboardStatus>('/api/dashboard/status'), refetchInterval: 15_000 });
}

export interface Health {
  status: string;
  checks?: Record<string, unknown>;
  [k: string]: unknown;
}

/** `/health` answers 503 with its checks when not ready; that is a result to show, not an error. */
export function useHealth() {
  return useQuery({
    queryKey: ['health'],
    queryFn: async (): Promise<Health> => {
      const res = await fetch('/health', { headers: { accept: 'application/json' } });
      const body = (await res.json().catch(() => ({ status: `HTTP ${res.status}` }))) as Health;
      return res.ok ? body : { ...body, status: body.status ?? `HTTP ${res.status}` };
    },
    refetchInterval: 15_000,
  });
}
