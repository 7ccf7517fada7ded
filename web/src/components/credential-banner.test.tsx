// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { CredentialBanner } from './credential-banner';

afterEach(cleanup);

describe('credential banner', () => {
  it('names the variable to set when runs have no credential', () => {
    const note = 'no Anthropic credential: runs will fail until you set ANTHROPIC_API_KEY (or …)';
    render(<CredentialBanner health={{ status: 'ok', checks: {}, credential: { usable: false, source: null, note } }} />);
    expect(screen.getByRole('alert').textContent).toContain('No Anthropic credential: runs will fail until you set ANTHROPIC_API_KEY');
  });

  it('is absent when runs have one, or while the service has not said', () => {
    const { container } = render(<CredentialBanner health={{ status: 'ok', checks: {}, credential: { usable: true, source: 'ANTHROPIC_API_KEY', note: 'runs use ANTHROPIC_API_KEY' } }} />);
    render(<CredentialBanner health={undefined} />);
    expect(container.textContent).toBe('');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
