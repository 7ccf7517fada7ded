import { useQuery } from '@tanstack/react-query';
import { api } from './api-client';
import type { DashboardStatus, Health, WorkerList } from './contracts';

export type { DashboardStatus, Health, WorkerList };

export function useDashboardStatus() {
  return useQuery({ queryKey: ['status'], queryFn: () => api.get<DashboardStatus>('/api/dashboard/status'), refetchInterval: 15_000 });
}

/** Every worker process with its load; a gone one stays listed (greyed) for a day. */
export function useWorkers() {
  return useQuery({ queryKey: ['workers'], queryFn: () => api.get<WorkerList>('/api/workers'), refetchInterval: 5_000 });
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
