import net from 'node:net';
import { z } from 'zod';

// Environment strings → typed settings. Empty strings count as unset, so `FOO=` in a .env file means "default".
export const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
export const int = (fallback: number, min: number, max: number) =>
  z.preprocess((v) => (v === '' || v === undefined ? fallback : v), z.coerce.number().int().min(min).max(max));
export const bool = (fallback: boolean) =>
  z.preprocess((v) => {
    if (v === '' || v === undefined) return fallback;
    if (typeof v === 'string' && /^(1|true|yes|on)$/i.test(v)) return true;
    if (typeof v === 'string' && /^(0|false|no|off)$/i.test(v)) return false;
    return v;
  }, z.boolean());
export const list = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : (v ?? [])),
  z.array(z.string()),
);
export const url = (protocols: string[]) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .url()
      .refine((u) => protocols.some((p) => u.startsWith(`${p}:`)), { message: `must start with ${protocols.join(': or ')}:` })
      .optional(),
  );

/** Loopback: reachable from this machine only, so running without API_TOKEN there exposes nothing. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  return h === '::1' || /^::ffff:127\./.test(h);
}

// What Fastify's trustProxy (proxy-addr) accepts: true/false, a hop count, or addresses, CIDRs and its named ranges.
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGES.has(entry) || net.isIP(entry)) return true;
  const m = /^(.+)\/(\d{1,3})$/.exec(entry);
  if (!m) return false;
  const family = net.isIP(m[1]!);
  return family !== 0 && Number(m[2]) <= (family === 4 ? 32 : 128);
}
export const trustProxy = z.preprocess(
  (v) => {
    if (v === '' || v === undefined) return false;
    if (typeof v !== 'string') return v;
    if (/^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
    if (/^\d+$/.test(v.trim())) return Number(v.trim());
    return v.split(',').map((x) => x.trim()).filter(Boolean);
  },
  z.union([
    z.boolean(),
    z.number().int().min(0).max(100),
    z
      .array(z.string())
      .min(1)
      .refine((entries) => entries.every(isProxyAddress), {
        message: 'must be true, false, a hop count, or a comma list of proxy addresses/CIDRs (or loopback, linklocal, uniquelocal)',
      }),
  ]),
);
