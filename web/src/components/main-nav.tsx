import { useEffect, useRef, useState } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { cx } from './ui';

/** The pages, each with the paths that belong to it: a task opened from the Overview is still the Overview. */
export const NAV = [
  { to: '/', label: 'Overview', paths: /^\/(tasks\/.*)?$/ },
  { to: '/chat', label: 'Chat', paths: /^\/chat(\/|$)/ },
  { to: '/analytics', label: 'Analytics', paths: /^\/analytics(\/|$)/ },
  { to: '/ledger', label: 'Ledger', paths: /^\/ledger(\/|$)/ },
  { to: '/hooks', label: 'Webhooks', paths: /^\/hooks(\/|$)/ },
  { to: '/registry', label: 'Registry', paths: /^\/registry(\/|$)/ },
];

export function activeNav(pathname: string): string | undefined {
  return NAV.find((n) => n.paths.test(pathname))?.to;
}

/** Which ends of a horizontally scrolling box have more to show. */
function useOverflow(el: HTMLElement | null): { before: boolean; after: boolean } {
  const [edges, setEdges] = useState({ before: false, after: false });
  useEffect(() => {
    if (!el) return;
    const measure = () => setEdges({ before: el.scrollLeft > 1, after: el.scrollLeft + el.clientWidth < el.scrollWidth - 1 });
    measure();
    el.addEventListener('scroll', measure, { passive: true });
    window.addEventListener('resize', measure);
    return () => {
      el.removeEventListener('scroll', measure);
      window.removeEventListener('resize', measure);
    };
  }, [el]);
  return edges;
}

/**
 * The main navigation: a column on wide screens; on a phone, one row that scrolls sideways, with a fade and an arrow
 * at an edge that has more tabs behind it, and the current tab scrolled into view.
 */
export function MainNav() {
  const { pathname } = useLocation();
  const active = activeNav(pathname);
  const [el, setEl] = useState<HTMLElement | null>(null);
  const current = useRef<HTMLAnchorElement | null>(null);
  const { before, after } = useOverflow(el);
  useEffect(() => {
    // Braces: Chromium's scrollIntoView returns a promise, which React would take for the effect's cleanup.
    current.current?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
  }, [active]);
  const fade = 'pointer-events-none absolute inset-y-0 flex w-8 items-center from-stone-900 text-stone-300 md:hidden';
  return (
    <div className="relative">
      <nav ref={setEl} aria-label="Main" className="flex gap-1 overflow-x-auto px-2 pb-2 md:flex-col md:overflow-visible md:pb-0">
        {NAV.map((n) => (
          <Link
            key={n.to}
            to={n.to}
            ref={n.to === active ? current : undefined}
            aria-current={n.to === active ? 'page' : undefined}
            className={cx('whitespace-nowrap rounded-md px-3 py-1.5 text-sm', n.to === active ? 'bg-orange-700 font-medium text-white' : 'text-stone-300 hover:bg-stone-800 hover:text-white')}
          >
            {n.label}
          </Link>
        ))}
      </nav>
      {before && (
        <span aria-hidden className={cx(fade, 'left-0 justify-start bg-linear-to-r pl-1')} data-nav-hint="before">
          ‹
        </span>
      )}
      {after && (
        <span aria-hidden className={cx(fade, 'right-0 justify-end bg-linear-to-l pr-1')} data-nav-hint="after">
          ›
        </span>
      )}
    </div>
  );
}
