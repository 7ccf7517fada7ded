import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { RequestError, Server as ProxyServer } from 'proxy-chain';
import type { Logger } from '../logger.js';
import { type AllowedHost, isAllowed } from './allowed-hosts.js';

/**
 * Egress only to chosen hosts (SANDBOX_ALLOWED_HOSTS). A restricted run has no network of its own (bwrap
 * --unshare-net: a loopback device and nothing else). Inside it, a tiny relay listens on 127.0.0.1:RELAY_PORT and
 * hands every connection to a unix socket bound into the sandbox; outside, the service answers on that socket with
 * an HTTP proxy (CONNECT and plain HTTP) that lets through only the allowed hosts, the Anthropic API and the
 * service's own address (its management tools). The run gets HTTP(S)_PROXY pointing at the relay; Claude Code sends
 * its API and MCP traffic through it, loopback addresses included. A program that ignores the proxy variables
 * reaches nothing.
 */

export const RELAY_PORT = 3128;
/** Where the proxy's socket appears inside the sandbox. */
export const SOCKET_IN_SANDBOX = '/run/cca-egress.sock';

/**
 * The service side: the allowlisting proxy (proxy-chain, on an ephemeral loopback port, since it serves TCP clients
 * only) and, in front of it, the unix socket that sandboxes get (in a private directory).
 */
export class EgressGateway {
  private constructor(
    private readonly proxy: ProxyServer,
    private readonly front: net.Server,
    private readonly open: Set<net.Socket>,
    private readonly dir: string,
    readonly socketPath: string,
  ) {}

  /**
   * `targets()` is asked on every connection, so a destination learnt later (the service's own address, known once it
   * listens) counts. The service itself is reachable for its management tools only (`/mcp`): the rest of its API
   * would show a run other tasks' output when API_TOKEN is unset. (Over HTTPS the path cannot be seen; the host is.)
   */
  static async start(targets: () => { allowed: AllowedHost[]; service?: AllowedHost }, log: Logger): Promise<EgressGateway> {
    const proxy = new ProxyServer({
      port: 0,
      host: '127.0.0.1',
      prepareRequestFunction: ({ hostname, port, isHttp, request }) => {
        const { allowed, service } = targets();
        if (isAllowed(allowed, hostname, port)) return {};
        if (service && isAllowed([service], hostname, port) && (!isHttp || isMcpPath(request.url))) return {};
        log.info({ host: hostname, port }, 'sandbox egress refused');
        throw new RequestError(`${hostname}:${port}${service && isAllowed([service], hostname, port) ? ' (other than /mcp)' : ''} is not in SANDBOX_ALLOWED_HOSTS`, 403);
      },
    });
    await proxy.listen();
    const proxyPort = (proxy.server.address() as net.AddressInfo).port;
    // A short private path: unix socket paths are limited to ~108 bytes, DATA_DIR may be long.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-egress-'));
    const socketPath = path.join(dir, 'proxy.sock');
    const open = new Set<net.Socket>();
    const front = net.createServer((client) => {
      open.add(client);
      client.on('close', () => open.delete(client));
      const upstream = net.connect(proxyPort, '127.0.0.1');
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      front.once('error', reject);
      front.listen(socketPath, () => resolve());
    });
    return new EgressGateway(proxy, front, open, dir, socketPath);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.front.close(() => resolve()));
    for (const socket of this.open) socket.destroy();
    await closed;
    await this.proxy.close(true);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function isMcpPath(url: string | undefined): boolean {
  try {
    const { pathname } = new URL(url ?? '', 'http://x');
    return pathname === '/mcp' || pathname.startsWith('/mcp/');
  } catch {
    return false;
  }
}

/** The proxy settings a restricted run gets: everything through the relay, nothing exempt. */
export function proxyEnv(): Record<string, string> {
  const url = `http://127.0.0.1:${RELAY_PORT}`;
  return { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url };
}

/**
 * The in-sandbox relay (node, CommonJS, given with -e): listens on host:port, pipes each connection to the unix
 * socket, then runs the command that follows with the same stdio and hands it the signals it gets. It writes nothing
 * to stdout (Claude Code's stream is there).
 */
export const RELAY_SCRIPT = `
const net = require('node:net');
const { spawn } = require('node:child_process');
const [listen, socketPath, command, ...args] = process.argv.slice(1);
const [host, port] = listen.split(':');
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.pipe(upstream).pipe(client);
});
server.on('error', (err) => { console.error('sandbox egress relay: ' + err.message); process.exit(70); });
server.listen(Number(port), host, () => {
  const child = spawn(command, args, { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => { console.error('sandbox egress relay: ' + err.message); process.exit(127); });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (require('node:os').constants.signals[signal] || 1)));
});
`;

/** The argv that starts the relay in the sandbox; the CLI's command line follows it. */
export function relayArgv(nodePath: string): string[] {
  return [nodePath, '-e', RELAY_SCRIPT, '--', `127.0.0.1:${RELAY_PORT}`, SOCKET_IN_SANDBOX];
}
