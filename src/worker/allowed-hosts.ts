// Destinations a restricted sandbox may reach (SANDBOX_ALLOWED_HOSTS), as the egress proxy checks them.

/** One allowed destination: a host name or address (`*.example.com` for its subdomains), and a port or any web port. */
export interface AllowedHost {
  host: string;
  /** undefined: 80 and 443. */
  port?: number;
}

/** Parses `host`, `host:port`, `*.domain`, `[v6]:port`. Throws on what is none of these. */
export function parseAllowedHost(entry: string): AllowedHost {
  const match = /^(\[[0-9a-fA-F:.]+\]|(?:\*\.)?[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(entry.trim());
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  if (!match || (port !== undefined && (port < 1 || port > 65535))) throw new Error(`"${entry}" is not host, host:port or *.domain`);
  return { host: match[1]!.toLowerCase().replace(/^\[|\]$/g, ''), port };
}

/** host:port of a URL, with the scheme's default port. */
export function hostOfUrl(url: string): AllowedHost {
  const u = new URL(url);
  return { host: u.hostname.toLowerCase().replace(/^\[|\]$/g, ''), port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) };
}

export function isAllowed(allowed: AllowedHost[], hostname: string, port: number): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return allowed.some((a) => {
    const hostMatches = a.host.startsWith('*.') ? host.endsWith(a.host.slice(1)) && host.length > a.host.length - 1 : host === a.host;
    return hostMatches && (a.port === undefined ? port === 80 || port === 443 : port === a.port);
  });
}
