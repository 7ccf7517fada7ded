import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useMemo, useSyncExternalStore, type ReactNode } from 'react';
import { api } from './api-client';
import { dashboardSessionId, LiveConnection, type LiveStatus } from './live';
import { type FeedSnapshot, type FeedSource, type OutputEvent, TaskFeed } from './task-feed';
import { applyLifecycleEvent } from './tasks-cache';

interface Live {
  connection: LiveConnection;
  source: FeedSource;
}

const LiveContext = createContext<Live | null>(null);

function createLive(): Live {
  const sessionId = dashboardSessionId();
  const connection = new LiveConnection({ url: () => api.wsUrl(`/ws/${sessionId}`) });
  const source: FeedSource = {
    async fetchAfter(taskId, after) {
      const page = await api.get<{ events: OutputEvent[]; has_more: boolean }>(`/api/tasks/${encodeURIComponent(taskId)}/events?after=${after}&limit=1000`);
      return { events: page.events, has_more: page.has_more };
    },
    subscribe(taskId, listener) {
      return connection.onEvent((e) => {
        if (e.type === 'task.output' && e.task_id === taskId) listener({ seq: e.seq, item: e.item, ts: e.ts });
      });
    },
    onReconnect: (listener) => connection.onReconnect(listener),
  };
  return { connection, source };
}

/** Opens the app's one WebSocket and keeps the cached tasks, counters and conversations current from it. */
export function LiveProvider({ children, enabled, token }: { children: ReactNode; enabled: boolean; token: string | null }) {
  const live = useMemo(createLive, []);
  const client = useQueryClient();

  useEffect(() => {
    if (!enabled) return;
    live.connection.start();
    return () => live.connection.stop();
  }, [live, enabled, token]);

  useEffect(() => {
    let statusTimer: ReturnType<typeof setTimeout> | undefined;
    const refreshSoon = () => {
      // Counters change with every lifecycle event; one refetch per burst is enough.
      statusTimer ??= setTimeout(() => {
        statusTimer = undefined;
        void client.invalidateQueries({ queryKey: ['status'] });
      }, 400);
    };
    const offEvent = live.connection.onEvent((event) => {
      if (event.type === 'task.output') return;
      applyLifecycleEvent(client, event);
      refreshSoon();
      if (event.task.conversation_id && event.type !== 'task.started') {
        void client.invalidateQueries({ queryKey: ['conversations'] });
        void client.invalidateQueries({ queryKey: ['messages', event.task.conversation_id] });
      }
    });
    // Whatever changed while the socket was down is fetched again.
    const offReconnect = live.connection.onReconnect(() => void client.invalidateQueries());
    return () => {
      offEvent();
      offReconnect();
      clearTimeout(statusTimer);
    };
  }, [live, client]);

  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside LiveProvider');
  return live;
}

export function useLiveStatus(): { status: LiveStatus; error: string | null } {
  const { connection } = useLive();
  const status = useSyncExternalStore(connection.onStatus, () => connection.status);
  return { status, error: connection.error };
}

/** The task's events, replayed then live, merged by seq. */
export function useTaskFeed(taskId: string): FeedSnapshot & { refresh: () => void } {
  const { source } = useLive();
  const feed = useMemo(() => new TaskFeed(taskId, source), [taskId, source]);
  useEffect(() => {
    feed.start();
    return () => feed.stop();
  }, [feed]);
  const snapshot = useSyncExternalStore(feed.subscribe, feed.getSnapshot);
  return { ...snapshot, refresh: () => void feed.refresh() };
}

/** For tests: a provider around a given source. */
export function TestLiveProvider({ source, connection, children }: { source: FeedSource; connection?: LiveConnection; children: ReactNode }) {
  const value = useMemo(() => ({ source, connection: connection ?? new LiveConnection({ url: () => 'ws://test' }) }), [source, connection]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}
