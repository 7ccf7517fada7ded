import { useQuery } from '@tanstack/react-query';
import { api, ApiError } from './api-client';
import type { AgentList, AgentSummary } from './contracts';

export type { AgentSummary };

/**
 * The agents the registry API lists. `unavailable` is true when this server has no registry API (404), in which
 * case pickers fall back to a free text field.
 */
export function useAgents() {
  const query = useQuery({
    queryKey: ['registry', 'agents'],
    queryFn: () => api.get<AgentList>('/api/registry/agents'),
    retry: false,
  });
  const unavailable = query.error instanceof ApiError && query.error.status === 404;
  return { ...query, unavailable };
}

