import { useEffect } from 'react';
import { useBlocker } from 'react-router-dom';

export const UNSAVED_MESSAGE = 'You have unsaved changes. Leave this page and lose them?';

/**
 * While `dirty`, leaving asks first: a link or Back inside the dashboard waits for a confirm, and closing or
 * reloading the tab gets the browser's own "leave site?" prompt.
 */
export function useUnsavedChangesGuard(dirty: boolean, message = UNSAVED_MESSAGE): void {
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname);
  useEffect(() => {
    if (blocker.state !== 'blocked') return;
    if (window.confirm(message)) blocker.proceed();
    else blocker.reset();
  }, [blocker, message]);
  useEffect(() => {
    if (!dirty) return;
    const hold = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', hold);
    return () => window.removeEventListener('beforeunload', hold);
  }, [dirty]);
}
