import { QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useMemo, useState, useSyncExternalStore, type FormEvent } from 'react';
import { Route, Routes } from 'react-router-dom';
import { CredentialBanner } from './components/credential-banner';
import { MainNav } from './components/main-nav';
import { Button, cx, ErrorBox, Field, Input, Loading } from './components/ui';
import { ChatPage } from './features/chat/chat-page';
import { LedgerPage } from './features/ledger/ledger-page';
import { OverviewPage } from './features/overview/overview-page';
import { RegistryPage } from './features/registry/registry-page';
import { WebhooksPage } from './features/webhooks/webhooks-page';
import { api, ApiClient } from './lib/api-client';
import { LiveProvider, useLiveStatus } from './lib/live-context';
import { createQueryClient } from './lib/query-client';
import { useDashboardStatus, useHealth } from './lib/status';

// Recharts is most of the bundle; only the analytics page needs it.
const AnalyticsPage = lazy(() => import('./features/analytics/analytics-page').then((m) => ({ default: m.AnalyticsPage })));

export function useAuth(client: ApiClient = api) {
  return useSyncExternalStore(client.onAuthChange, client.authState);
}

export function App() {
  const queryClient = useMemo(createQueryClient, []);
  return (
    <QueryClientProvider client={queryClient}>
      <AuthGate />
    </QueryClientProvider>
  );
}

function AuthGate() {
  const auth = useAuth();
  const token = api.token();
  return (
    <LiveProvider enabled={!auth.required} token={token}>
      {auth.required ? <SignIn reason={auth.reason} hadToken={auth.hasToken} /> : <Shell />}
    </LiveProvider>
  );
}

/** Shown when the API answered 401: the token goes to sessionStorage and every request and the socket use it. */
export function SignIn({ reason, hadToken, client = api }: { reason: string | null; hadToken: boolean; client?: ApiClient }) {
  const queryClient = useQueryClient();
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    client.setToken(token);
    try {
      // A wrong token answers 401 again, which brings this form back with the service's reason.
      await client.get('/api/dashboard/status');
      await queryClient.invalidateQueries();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <form onSubmit={submit} className="w-full max-w-sm rounded-lg border border-stone-200 bg-white p-6 shadow-sm">
        <h1 className="text-lg font-semibold">Sign in</h1>
        <p className="mt-1 text-sm text-stone-600">This service needs its API token (the <code>API_TOKEN</code> setting).</p>
        {reason && hadToken && <p className="mt-2 text-sm text-red-700">{reason}</p>}
        <div className="mt-4">
          <Field label="API token">{(id) => <Input id={id} type="password" autoComplete="current-password" value={token} onChange={(e) => setToken(e.target.value)} required autoFocus />}</Field>
        </div>
        <ErrorBox error={error} className="mt-3" />
        <Button type="submit" tone="primary" className="mt-4 w-full" disabled={busy || !token.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </Button>
        <p className="mt-3 text-xs text-stone-500">Kept in this tab only (sessionStorage).</p>
      </form>
    </main>
  );
}

function LiveIndicator() {
  const { status, error } = useLiveStatus();
  const label = status === 'open' ? 'Live' : status === 'stopped' ? 'Offline' : status === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  return (
    <span className="inline-flex items-center gap-1.5 text-xs text-stone-300" title={error ?? label} data-live={status}>
      <span className={cx('h-2 w-2 rounded-full', status === 'open' ? 'bg-emerald-400' : status === 'stopped' ? 'bg-stone-500' : 'animate-pulse bg-amber-400')} aria-hidden />
      {label}
    </span>
  );
}

/** The tab's title shows running work, so a run can be watched from another tab. */
function useTitle(running: number | undefined) {
  useEffect(() => {
    document.title = running ? `(${running} running) Claude Code Agent` : 'Claude Code Agent';
  }, [running]);
}

function Shell() {
  const status = useDashboardStatus();
  const health = useHealth();
  useTitle(status.data?.running);
  const signedIn = api.authState().hasToken;
  return (
    <div className="flex min-h-screen flex-col md:flex-row">
      <aside className="shrink-0 bg-stone-900 text-stone-100 md:sticky md:top-0 md:flex md:h-screen md:w-56 md:flex-col">
        <div className="flex items-center justify-between gap-2 px-4 py-3 md:block">
          <div className="flex items-center gap-2 whitespace-nowrap text-[15px] font-semibold">
            <span className="h-3.5 w-3.5 rounded-sm bg-orange-600" aria-hidden />
            Claude Code Agent
          </div>
          <div className="md:mt-2">
            <LiveIndicator />
          </div>
        </div>
        <MainNav />
        {signedIn && (
          <div className="hidden px-4 py-3 md:mt-auto md:block">
            <button type="button" className="text-xs text-stone-400 underline hover:text-white" onClick={() => (api.signOut(), location.reload())}>
              Sign out
            </button>
          </div>
        )}
      </aside>
      <div className="min-w-0 flex-1">
        <CredentialBanner health={health.data} />
        {status.data?.demo_mode && (
          <div role="note" className="bg-amber-300 px-4 py-1.5 text-center text-sm font-medium text-amber-950" data-testid="demo-banner">
            DEMO — runs use a scripted model, not Claude. Put <code>[[script:slow 5000]]</code> or <code>[[script:tool]]</code> in a message to pick a behaviour.
          </div>
        )}
        <main className="mx-auto max-w-7xl p-4 md:p-6">
          <Routes>
            <Route path="/" element={<OverviewPage />} />
            <Route path="/tasks/:taskId" element={<OverviewPage />} />
            <Route path="/chat" element={<ChatPage />} />
            <Route path="/chat/:conversationId" element={<ChatPage />} />
            <Route
              path="/analytics"
              element={
                <Suspense fallback={<Loading label="Loading analytics…" />}>
                  <AnalyticsPage />
                </Suspense>
              }
            />
            <Route path="/ledger" element={<LedgerPage />} />
            <Route path="/hooks/*" element={<WebhooksPage />} />
            <Route path="/registry/*" element={<RegistryPage />} />
            <Route path="*" element={<ErrorBox error={new Error(`no page at ${location.pathname}`)} />} />
          </Routes>
        </main>
      </div>
    </div>
  );
}
