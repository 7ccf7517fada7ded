import type { ButtonHTMLAttributes, InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react';
import { useId } from 'react';
import { ApiError, errorMessage } from '../lib/api-client';

export function cx(...parts: Array<string | false | null | undefined>): string {
  return parts.filter(Boolean).join(' ');
}

type Tone = 'primary' | 'secondary' | 'danger' | 'ghost';
const TONES: Record<Tone, string> = {
  primary: 'bg-orange-700 text-white hover:bg-orange-800 disabled:bg-orange-300',
  secondary: 'bg-white text-stone-800 border border-stone-300 hover:bg-stone-100 disabled:text-stone-400',
  danger: 'bg-white text-red-700 border border-red-300 hover:bg-red-50 disabled:text-red-300',
  ghost: 'text-stone-700 hover:bg-stone-200/70 disabled:text-stone-400',
};

export function Button({ tone = 'secondary', size = 'md', className, type = 'button', ...rest }: ButtonHTMLAttributes<HTMLButtonElement> & { tone?: Tone; size?: 'sm' | 'md' }) {
  return (
    <button
      type={type}
      className={cx(
        'inline-flex items-center justify-center gap-1.5 rounded-md font-medium transition-colors disabled:cursor-not-allowed',
        size === 'sm' ? 'px-2 py-1 text-xs' : 'px-3 py-1.5 text-sm',
        TONES[tone],
        className,
      )}
      {...rest}
    />
  );
}

export function Card({ title, actions, children, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={cx('min-w-0 rounded-lg border border-stone-200 bg-white shadow-sm', className)}>
      {(title || actions) && (
        <header className="flex flex-wrap items-center justify-between gap-2 border-b border-stone-100 px-4 py-2.5">
          {title && <h2 className="text-sm font-semibold text-stone-800">{title}</h2>}
          {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
        </header>
      )}
      <div className="p-4">{children}</div>
    </section>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
      <h1 className="text-xl font-semibold tracking-tight">{title}</h1>
      {children && <div className="flex flex-wrap items-center gap-2">{children}</div>}
    </div>
  );
}

/** An error as the service worded it, never swallowed; with a retry when there is something to retry. */
export function ErrorBox({ error, retry, className }: { error: unknown; retry?: () => void; className?: string }) {
  if (!error) return null;
  const notBuilt = error instanceof ApiError && error.status === 404 && /no route/.test(error.message);
  return (
    <div role="alert" className={cx('rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800', className)}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <p className="min-w-0 break-words">
          {notBuilt ? <>This server does not offer this yet: {errorMessage(error)}</> : errorMessage(error)}
        </p>
        {retry && (
          <Button size="sm" tone="secondary" onClick={retry}>
            Retry
          </Button>
        )}
      </div>
      {error instanceof ApiError && error.details.length > 1 && (
        <ul className="mt-1 list-disc pl-5">
          {error.details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p role="status" className="flex items-center gap-2 py-3 text-sm text-stone-500">
      <span className="h-3 w-3 animate-spin rounded-full border-2 border-stone-300 border-t-orange-600" aria-hidden />
      {label}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="rounded-md border border-dashed border-stone-300 px-3 py-6 text-center text-sm text-stone-500">{children}</p>;
}

const STATUS_COLORS: Record<string, string> = {
  waiting_approval: 'bg-amber-100 text-amber-800 ring-amber-300',
  queued: 'bg-sky-100 text-sky-800 ring-sky-300',
  running: 'bg-indigo-100 text-indigo-800 ring-indigo-300',
  completed: 'bg-emerald-100 text-emerald-800 ring-emerald-300',
  failed: 'bg-red-100 text-red-800 ring-red-300',
  cancelled: 'bg-stone-200 text-stone-700 ring-stone-300',
};

/** A budget's refusal is its own outcome: the task never ran, and nothing failed. */
export const isBudgetRefusal = (status: string, outcome?: string | null) => status === 'failed' && outcome === 'budget';

export function StatusBadge({ status, outcome }: { status: string; outcome?: string | null }) {
  const refused = isBudgetRefusal(status, outcome);
  return (
    <span
      data-status={status}
      data-outcome={outcome ?? undefined}
      title={refused ? 'A budget refused this task: it did not run' : undefined}
      className={cx('inline-flex items-center gap-1 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset', refused ? 'bg-orange-100 text-orange-900 ring-orange-300' : (STATUS_COLORS[status] ?? 'bg-stone-100 text-stone-700 ring-stone-300'))}
    >
      {status === 'running' && <span className="h-1.5 w-1.5 animate-pulse rounded-full bg-indigo-600" aria-hidden />}
      {refused ? 'budget refused' : status.replace('_', ' ')}
    </span>
  );
}

export function Badge({ children, tone = 'stone' }: { children: ReactNode; tone?: 'stone' | 'green' | 'amber' | 'red' | 'blue' }) {
  const colors = { stone: 'bg-stone-100 text-stone-700', green: 'bg-emerald-100 text-emerald-800', amber: 'bg-amber-100 text-amber-800', red: 'bg-red-100 text-red-800', blue: 'bg-sky-100 text-sky-800' };
  return <span className={cx('inline-flex items-center rounded px-1.5 py-0.5 text-xs font-medium', colors[tone])}>{children}</span>;
}

const inputClass = 'block w-full rounded-md border border-stone-300 bg-white px-2.5 py-1.5 text-sm shadow-sm placeholder:text-stone-400 disabled:bg-stone-100';

export function Field({ label, hint, error, children }: { label: string; hint?: ReactNode; error?: string | null; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="min-w-0">
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-stone-600">
        {label}
      </label>
      {children(id)}
      {hint && !error && <p className="mt-1 text-xs text-stone-500">{hint}</p>}
      {error && (
        <p className="mt-1 text-xs text-red-700" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function Input({ className, ...rest }: InputHTMLAttributes<HTMLInputElement>) {
  return <input className={cx(inputClass, className)} {...rest} />;
}

export function Select({ className, ...rest }: SelectHTMLAttributes<HTMLSelectElement>) {
  return <select className={cx(inputClass, 'pr-8', className)} {...rest} />;
}

/** Monospace by default (JSON, templates, markdown); `mono={false}` for prose. */
export function TextArea({ className, mono = true, ...rest }: TextareaHTMLAttributes<HTMLTextAreaElement> & { mono?: boolean }) {
  return <textarea className={cx(inputClass, mono ? 'font-mono text-xs leading-5' : 'text-sm leading-6', className)} {...rest} />;
}

export function Checkbox({ label, ...rest }: InputHTMLAttributes<HTMLInputElement> & { label: string }) {
  return (
    <label className="inline-flex items-center gap-2 text-sm">
      <input type="checkbox" className="h-4 w-4 rounded border-stone-300 accent-orange-700" {...rest} />
      {label}
    </label>
  );
}

export function Stat({ label, value, sub, tone }: { label: string; value: ReactNode; sub?: ReactNode; tone?: 'warn' | 'bad' | 'ok' }) {
  return (
    <div className="rounded-lg border border-stone-200 bg-white px-4 py-3 shadow-sm">
      <p className="text-xs font-medium uppercase tracking-wide text-stone-500">{label}</p>
      <p className={cx('mt-1 text-2xl font-semibold tabular-nums', tone === 'bad' ? 'text-red-700' : tone === 'warn' ? 'text-amber-700' : tone === 'ok' ? 'text-emerald-700' : 'text-stone-900')}>{value}</p>
      {sub && <p className="mt-0.5 text-xs text-stone-500">{sub}</p>}
    </div>
  );
}

export function Pre({ children, className }: { children: ReactNode; className?: string }) {
  return <pre className={cx('max-h-96 overflow-auto whitespace-pre-wrap break-words rounded bg-stone-900 p-2.5 font-mono text-xs leading-5 text-stone-100', className)}>{children}</pre>;
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  return (
    <Button
      size="sm"
      onClick={(e) => {
        const button = e.currentTarget;
        void navigator.clipboard?.writeText(text).then(
          () => {
            button.textContent = 'Copied';
            setTimeout(() => (button.textContent = label), 1500);
          },
          () => undefined,
        );
      }}
    >
      {label}
    </Button>
  );
}
