import type { Health } from '../lib/contracts';

/** Without a credential every run fails; the banner says so before the first one, and what to set. */
export function CredentialBanner({ health }: { health: Health | undefined }) {
  const credential = health?.credential;
  if (!credential || credential.usable) return null;
  return (
    <div role="alert" className="bg-red-700 px-4 py-1.5 text-center text-sm font-medium text-white" data-testid="credential-banner">
      {credential.note.replace(/^no Anthropic credential/, 'No Anthropic credential')}. Restart the service after setting it.
    </div>
  );
}
