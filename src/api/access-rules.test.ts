import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { hostAllowed, hostnameOf, hostRule, sameOrigin, trustProxyOption } from './access-rules.js';

describe('Host rule (DNS rebinding)', () => {
  it('reads host names from Host header values', () => {
    expect(hostnameOf('Example.COM:8080')).toBe('example.com');
    expect(hostnameOf('example.com.')).toBe('example.com');
    expect(hostnameOf('[::1]:8080')).toBe('::1');
    expect(hostnameOf('::1')).toBe('::1');
    expect(hostnameOf('')).toBeUndefined();
  });

  it('on loopback accepts loopback names, IP literals, PUBLIC_URL, INTERNAL_URL and ALLOWED_HOSTS, nothing else', () => {
    const rule = hostRule(loadConfig({ PUBLIC_URL: 'https://Agent.example.com/base', INTERNAL_URL: 'http://api.internal:8080', ALLOWED_HOSTS: 'dash.example.org' }));
    expect(rule.enforced).toBe(true);
    for (const ok of ['127.0.0.1:8080', 'localhost', 'LOCALHOST:1', 'x.localhost:8080', '[::1]:8080', '10.0.0.5', 'agent.example.com', 'api.internal:8080', 'dash.example.org:443']) {
      expect(hostAllowed(rule, ok), ok).toBe(true);
    }
    for (const bad of ['evil.example', 'evil.example:8080', 'agent.example.com.evil.example', 'localhost.evil.example', 'example.com', '', ':8080']) {
      expect(hostAllowed(rule, bad), bad).toBe(false);
    }
  });

  it('is on without API_TOKEN or with ALLOWED_HOSTS, off on a public HOST with a token or with ALLOWED_HOSTS=*', () => {
    expect(hostRule(loadConfig({ HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED: 'true' })).enforced).toBe(true);
    expect(hostRule(loadConfig({ HOST: '0.0.0.0', API_TOKEN: 'tok-123' })).enforced).toBe(false);
    expect(hostRule(loadConfig({ HOST: '0.0.0.0', API_TOKEN: 'tok-123', ALLOWED_HOSTS: 'a.example' })).enforced).toBe(true);
    expect(hostRule(loadConfig({ ALLOWED_HOSTS: '*' })).enforced).toBe(false);
    expect(hostAllowed(hostRule(loadConfig({ HOST: 'agent.lan', API_TOKEN: 'tok-123', ALLOWED_HOSTS: 'b.example' })), 'agent.lan:8080')).toBe(true);
  });
});

describe('Origin rule', () => {
  it('accepts only the service own origins', () => {
    const own = ['http://127.0.0.1:8080', 'https://agent.example.com/'];
    expect(sameOrigin('http://127.0.0.1:8080', own)).toBe(true);
    expect(sameOrigin('https://AGENT.example.com', own)).toBe(true);
    expect(sameOrigin('https://agent.example.com:443', own)).toBe(true);
    for (const bad of ['null', 'http://127.0.0.1:8081', 'https://127.0.0.1:8080', 'http://agent.example.com', 'https://evil.example', 'file://', 'not a url', '']) {
      expect(sameOrigin(bad, own), bad).toBe(false);
    }
  });
});

describe('TRUST_PROXY', () => {
  it('decides which X-Forwarded-For entry is the client', async () => {
    const clientWith = async (value: string | undefined) => {
      const app = Fastify({ trustProxy: trustProxyOption(loadConfig({ TRUST_PROXY: value }).TRUST_PROXY) });
      app.get('/', async (req) => req.ip);
      const res = await app.inject({ url: '/', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': '198.51.100.9, 10.0.0.2' } });
      await app.close();
      return res.body;
    };
    expect(await clientWith(undefined)).toBe('10.0.0.1');
    expect(await clientWith('false')).toBe('10.0.0.1');
    expect(await clientWith('1')).toBe('10.0.0.2');
    expect(await clientWith('2')).toBe('198.51.100.9');
    expect(await clientWith('10.0.0.0/8')).toBe('198.51.100.9');
    expect(await clientWith('10.0.0.1')).toBe('10.0.0.2');
    expect(await clientWith('true')).toBe('198.51.100.9');
  });
});
