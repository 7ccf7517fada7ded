// Pure rules for who may talk to the dashboard, the API and its WebSocket: which Host names the service answers to
// (against DNS rebinding) and which Origins are its own (against cross-site requests). src/api/access.ts applies
// them as hooks.
import net from 'node:net';
import { type Config, isLoopbackHost } from '../config.js';

export interface HostRule {
  /** False when the check is off: a public HOST with API_TOKEN (names unknowable, the token protects), or `*`. */
  enforced: boolean;
  /** Lower-case host names accepted besides loopback names and IP literals. */
  names: Set<string>;
}

/**
 * DNS rebinding needs a browser to send a name the attacker controls, so the check matters where a page could reach
 * the service without a credential: on a loopback HOST (the default) and whenever API_TOKEN is unset. A service on
 * a public address with a token is reached through names it cannot know (load balancers, container names), and the
 * token protects it; ALLOWED_HOSTS turns the check on there too.
 */
export function hostRule(config: Pick<Config, 'HOST' | 'API_TOKEN' | 'PUBLIC_URL' | 'INTERNAL_URL' | 'ALLOWED_HOSTS'>): HostRule {
  const listed = config.ALLOWED_HOSTS.filter((h) => h !== '*');
  const names = new Set(listed.map((h) => hostnameOf(h)).filter((h): h is string => !!h));
  for (const u of [config.PUBLIC_URL, config.INTERNAL_URL]) if (u) names.add(hostnameOf(new URL(u).host)!);
  const bound = hostnameOf(config.HOST);
  if (bound) names.add(bound);
  const enforced = !config.ALLOWED_HOSTS.includes('*') && (listed.length > 0 || isLoopbackHost(config.HOST) || !config.API_TOKEN);
  return { enforced, names };
}

/** The host name of a Host header value (`name`, `name:port`, `[v6]:port`), lower case, without a trailing dot. */
export function hostnameOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const h = host.trim().toLowerCase();
  const v6 = /^\[([^\]]*)\](?::\d*)?$/.exec(h);
  if (v6) return v6[1];
  if (net.isIPv6(h)) return h;
  const name = h.replace(/:\d*$/, '').replace(/\.$/, '');
  return name || undefined;
}

/**
 * An IP literal cannot be a rebinding attack (the page's origin is then the address itself), and `localhost` and
 * `*.localhost` are resolved to loopback by browsers themselves, never through DNS.
 */
export function hostAllowed(rule: HostRule, host: string | undefined): boolean {
  if (!rule.enforced || host === undefined) return true;
  const name = hostnameOf(host);
  if (!name) return false;
  if (net.isIP(name) || name === 'localhost' || name.endsWith('.localhost')) return true;
  return rule.names.has(name);
}

/** `scheme://host[:port]` as browsers write Origin (default ports dropped, host lower case), or undefined. */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

/** Whether an Origin header names one of the service's own origins (`'null'` and malformed values never do). */
export function sameOrigin(origin: string, own: Array<string | undefined>): boolean {
  const theirs = originOf(origin);
  if (!theirs) return false;
  return own.some((o) => o !== undefined && originOf(o) === theirs);
}

/**
 * TRUST_PROXY as Fastify's trustProxy. A hop count trusts the nearest n addresses (the socket's peer first): Fastify
 * 5.12 stopped honouring a bare number, since it cannot tell a proxy from a client sending its own
 * X-Forwarded-For, so it is passed as the function it used to stand for — like `true`, safe only when nothing but
 * the proxies can reach the port.
 */
export function trustProxyOption(value: Config['TRUST_PROXY']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value !== 'number') return value;
  return (_address, hop) => hop < value;
}
