import { describe, expect, it } from 'vitest';
import { hostOfUrl, isAllowed, parseAllowedHost } from './allowed-hosts.js';

describe('hosts a restricted sandbox may reach', () => {
  it('parses host, host:port, *.domain and [v6]:port, and refuses anything else', () => {
    expect(parseAllowedHost('GitHub.com')).toEqual({ host: 'github.com', port: undefined });
    expect(parseAllowedHost('registry.npmjs.org:443')).toEqual({ host: 'registry.npmjs.org', port: 443 });
    expect(parseAllowedHost('*.example.com')).toEqual({ host: '*.example.com', port: undefined });
    expect(parseAllowedHost('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    for (const bad of ['http://github.com', 'github.com/path', 'a:b', 'host:0', 'host:70000', '', '*', 'exa*mple.com', 'user@host']) {
      expect(() => parseAllowedHost(bad), bad).toThrow('is not host, host:port or *.domain');
    }
  });

  it('matches a host without port on the web ports only, a port exactly, a wildcard on subdomains only', () => {
    const allowed = ['github.com', 'db.internal:5432', '*.example.com'].map(parseAllowedHost);
    expect(isAllowed(allowed, 'github.com', 443)).toBe(true);
    expect(isAllowed(allowed, 'GITHUB.com', 80)).toBe(true);
    expect(isAllowed(allowed, 'github.com', 22)).toBe(false);
    expect(isAllowed(allowed, 'api.github.com', 443)).toBe(false);
    expect(isAllowed(allowed, 'evilgithub.com', 443)).toBe(false);
    expect(isAllowed(allowed, 'db.internal', 5432)).toBe(true);
    expect(isAllowed(allowed, 'db.internal', 443)).toBe(false);
    expect(isAllowed(allowed, 'a.example.com', 443)).toBe(true);
    expect(isAllowed(allowed, 'example.com', 443)).toBe(false);
    expect(isAllowed(allowed, 'badexample.com', 443)).toBe(false);
  });

  it('takes a URL’s host with its scheme’s default port', () => {
    expect(hostOfUrl('https://api.anthropic.com')).toEqual({ host: 'api.anthropic.com', port: 443 });
    expect(hostOfUrl('http://127.0.0.1:8080/mcp')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(hostOfUrl('http://[::1]/')).toEqual({ host: '::1', port: 80 });
  });
});
