// Local stand-in for the GitHub REST API (see test/support/fakes/http.ts for the common recording machinery).
import { git, gitRef } from './git.js';
import { checkAppJwt } from './github-jwt.js';
import { type FakeProvider, json, type Req, type Route, startFake } from './http.js';

export interface FakeGithubOptions {
  /** login → role: admin | maintain | write | triage | read | none | a custom role name. Others get 404. */
  permissions?: Record<string, string>;
  /** When set, installation-token requests must carry an RS256 JWT signed by the matching private key. */
  appPublicKey?: string;
  /**
   * The git server's root (`<root>/<owner>/<repo>.git`, test/support/git-http-server.ts): a pull request opened here
   * gets its `refs/pull/<n>/head` there, and its files are the diff of that ref against its base branch.
   */
  gitRoot?: string;
}

export interface FakeGithub extends FakeProvider {
  setPermission(login: string, permission: string): void;
  /** The collaborator-permission endpoint answers this many milliseconds late (0: at once). */
  slowPermissions(ms: number): void;
  /** The collaborator-permission endpoint answers nothing until `open()` is called (then everything held, at once). */
  holdPermissions(): { open(): void };
  /** A person reacts to an issue comment (GitHub sends no webhook for this; the service polls). */
  react(commentId: number, login: string, content: string): void;
}

/** Installation tokens the fake issues: ghs_fake_<installationId>_<n>, n counting from 1 across installations. */
export function fakeInstallationToken(installationId: number | string, n: number): string {
  return `ghs_fake_${installationId}_${n}`;
}

const LEGACY_PERMISSION: Record<string, string> = { admin: 'admin', maintain: 'write', write: 'write', triage: 'read', read: 'read' };

/**
 * REST routes the GitHub client uses, at the root (api.github.com style) or under /api/v3 (Enterprise Server style).
 * Issue comments exist only once created here (PATCH of an unknown id → 404); review comments are taken on trust.
 */
export function startFakeGithub(opts: FakeGithubOptions = {}): Promise<FakeGithub> {
  const permissions = new Map(Object.entries(opts.permissions ?? {}));
  const issueComments = new Map<number, { owner: string; repo: string; body: string; issue: string }>();
  const reactions = new Set<string>();
  /** Reactions people left on issue comments (by comment id), as the reactions list endpoint returns them. */
  const userReactions = new Map<number, Array<{ id: number; content: string; user: { login: string; id: number; type: string } }>>();
  const labels = new Map<string, string[]>();
  const pulls = new Map<string, { base: string }>();
  let nextPull = 100;
  let nextId = 1001;
  let tokensIssued = 0;
  let permissionDelayMs = 0;
  let permissionGate: Promise<void> | undefined;
  const now = () => new Date().toISOString();
  const user = (login: string) => ({ login, id: 1, type: login.endsWith('[bot]') ? 'Bot' : 'User' });
  const notFound = () => json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });

  const reaction = (kind: string) => (req: Req, p: Record<string, string>) => {
    const key = `${p.owner}/${p.repo}/${kind}/${p.id}/${String(req.body?.content)}`;
    const existed = reactions.has(key);
    reactions.add(key);
    return json(existed ? 200 : 201, { id: nextId++, content: req.body?.content, user: user('claude-agent[bot]'), created_at: now() });
  };

  const comment = (o: { id: number; owner: string; repo: string; body: string; url: string }) => ({
    id: o.id,
    node_id: `IC_${o.id}`,
    body: o.body,
    html_url: o.url,
    user: user('claude-agent[bot]'),
    created_at: now(),
    updated_at: now(),
  });

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/app\/installations\/(?<id>\d+)\/access_tokens$/,
      handle(req, p) {
        const problem = checkAppJwt(req.authorization, opts.appPublicKey);
        if (problem) return json(401, { message: problem, documentation_url: 'https://docs.github.com/rest' });
        tokensIssued += 1;
        return json(201, {
          token: fakeInstallationToken(p.id!, tokensIssued),
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
          permissions: { issues: 'write', pull_requests: 'write', metadata: 'read' },
          repository_selection: 'all',
        });
      },
    },
    {
      // Every repository belongs to installation 7 here.
      method: 'GET',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/installation$/,
      handle(req, p) {
        const problem = checkAppJwt(req.authorization, opts.appPublicKey);
        if (problem) return json(401, { message: problem, documentation_url: 'https://docs.github.com/rest' });
        return json(200, { id: 7, account: { login: p.owner, type: 'Organization' }, repository_selection: 'all' });
      },
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/comments\/(?<id>\d+)\/reactions$/,
      handle: reaction('issue_comment'),
    },
    {
      method: 'GET',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/comments\/(?<id>\d+)\/reactions$/,
      handle(_req, p) {
        return json(200, userReactions.get(Number(p.id)) ?? []);
      },
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/pulls\/comments\/(?<id>\d+)\/reactions$/,
      handle: reaction('review_comment'),
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/(?<id>\d+)\/reactions$/,
      handle: reaction('issue'),
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/(?<issue>\d+)\/comments$/,
      handle(req, p) {
        if (typeof req.body?.body !== 'string') return json(422, { message: 'Validation Failed' });
        const id = nextId++;
        issueComments.set(id, { owner: p.owner!, repo: p.repo!, body: req.body.body, issue: p.issue! });
        const url = `https://github.com/${p.owner}/${p.repo}/issues/${p.issue}#issuecomment-${id}`;
        return json(201, comment({ id, owner: p.owner!, repo: p.repo!, body: req.body.body, url }));
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/comments\/(?<id>\d+)$/,
      handle(req, p) {
        const id = Number(p.id);
        const existing = issueComments.get(id);
        if (!existing || existing.owner !== p.owner || existing.repo !== p.repo) return notFound();
        existing.body = String(req.body?.body);
        const url = `https://github.com/${p.owner}/${p.repo}/issues/${existing.issue}#issuecomment-${id}`;
        return json(200, comment({ id, owner: p.owner!, repo: p.repo!, body: existing.body, url }));
      },
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/pulls\/(?<pull>\d+)\/comments\/(?<id>\d+)\/replies$/,
      handle(req, p) {
        if (typeof req.body?.body !== 'string') return json(422, { message: 'Validation Failed' });
        const id = nextId++;
        const url = `https://github.com/${p.owner}/${p.repo}/pull/${p.pull}#discussion_r${id}`;
        return json(201, { ...comment({ id, owner: p.owner!, repo: p.repo!, body: req.body.body, url }), in_reply_to_id: Number(p.id) });
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/pulls\/comments\/(?<id>\d+)$/,
      handle(req, p) {
        const id = Number(p.id);
        const url = `https://github.com/${p.owner}/${p.repo}/pull/1#discussion_r${id}`;
        return json(200, comment({ id, owner: p.owner!, repo: p.repo!, body: String(req.body?.body), url }));
      },
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/(?<issue>\d+)\/labels$/,
      handle(req, p) {
        const key = `${p.owner}/${p.repo}#${p.issue}`;
        const added: unknown[] = Array.isArray(req.body?.labels) ? req.body.labels : [];
        const all = [...new Set([...(labels.get(key) ?? []), ...added.map(String)])];
        labels.set(key, all);
        return json(200, all.map((name, i) => ({ id: i + 1, name, color: 'ededed', default: false })));
      },
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/pulls$/,
      handle(req, p) {
        const { head, base, title } = req.body ?? {};
        if (typeof head !== 'string' || typeof base !== 'string' || typeof title !== 'string') return json(422, { message: 'Validation Failed' });
        const number = nextPull++;
        if (opts.gitRoot && gitRef(opts.gitRoot, p, `refs/heads/${head}`) === undefined) {
          return json(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }] });
        }
        if (opts.gitRoot) git(opts.gitRoot, p, ['update-ref', `refs/pull/${number}/head`, `refs/heads/${head}`]);
        pulls.set(`${p.owner}/${p.repo}#${number}`, { base });
        const url = `https://github.com/${p.owner}/${p.repo}/pull/${number}`;
        return json(201, { id: nextId++, number, html_url: url, state: 'open', draft: req.body.draft === true, head: { ref: head }, base: { ref: base } });
      },
    },
    {
      method: 'GET',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/pulls\/(?<pull>\d+)$/,
      handle(_req, p) {
        // With a git root: the head is refs/pull/<n>/head, on the branch there that points at it; a head no branch
        // points at comes from a fork (its branch lives in the fork's repository, as on GitHub).
        const sha = opts.gitRoot && gitRef(opts.gitRoot, p, `refs/pull/${p.pull}/head`);
        if (!sha) return notFound();
        const branch = git(opts.gitRoot!, p, ['for-each-ref', '--points-at', sha, '--format=%(refname:short)', 'refs/heads/'])?.split('\n')[0];
        const repo = branch ? `${p.owner}/${p.repo}` : `fork-of-${p.owner}/${p.repo}`;
        const base = pulls.get(`${p.owner}/${p.repo}#${p.pull}`)?.base ?? 'main';
        return json(200, { number: Number(p.pull), state: 'open', head: { ref: branch || 'patch-1', sha, repo: { full_name: repo } }, base: { ref: base } });
      },
    },
    {
      method: 'GET',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/pulls\/(?<pull>\d+)\/files$/,
      handle(_req, p) {
        if (!opts.gitRoot) return json(200, []);
        const base = pulls.get(`${p.owner}/${p.repo}#${p.pull}`)?.base ?? 'main';
        const range = `refs/heads/${base}...refs/pull/${p.pull}/head`;
        const names = (git(opts.gitRoot, p, ['diff', '--name-only', range]) ?? '').split('\n').filter(Boolean);
        return json(
          200,
          names.map((filename) => {
            const full = git(opts.gitRoot!, p, ['diff', '--no-color', range, '--', filename]) ?? '';
            return { filename, status: 'modified', patch: full.slice(full.indexOf('@@')) };
          }),
        );
      },
    },
    {
      method: 'POST',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/pulls\/(?<pull>\d+)\/reviews$/,
      handle(req, p) {
        if (typeof req.body?.body !== 'string') return json(422, { message: 'Validation Failed' });
        const id = nextId++;
        return json(200, { id, state: 'COMMENTED', body: req.body.body, html_url: `https://github.com/${p.owner}/${p.repo}/pull/${p.pull}#pullrequestreview-${id}` });
      },
    },
    {
      method: 'GET',
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/collaborators\/(?<login>[^/]+)\/permission$/,
      handle(_req, p) {
        const login = decodeURIComponent(p.login!);
        const role = permissions.get(login);
        if (role === undefined) return notFound();
        // As GitHub does: `permission` is the legacy base level, `role_name` the actual (possibly custom) role.
        const permission = LEGACY_PERMISSION[role] ?? (role === 'none' ? 'none' : 'read');
        return { ...json(200, { permission, role_name: role, user: user(login) }), delayMs: permissionDelayMs, after: permissionGate };
      },
    },
  ];

  return startFake({
    routes,
    pathPrefix: '/api/v3',
    notFound,
    failure: (status) => ({ json: { message: status === 429 ? 'API rate limit exceeded' : 'Server Error' } }),
  }).then((fake) => ({
    ...fake,
    setPermission(login: string, permission: string) {
      permissions.set(login, permission);
    },
    slowPermissions(ms: number) {
      permissionDelayMs = ms;
    },
    holdPermissions() {
      let open!: () => void;
      permissionGate = new Promise<void>((resolve) => (open = resolve));
      return {
        open() {
          permissionGate = undefined;
          open();
        },
      };
    },
    react(commentId: number, login: string, content: string) {
      const list = userReactions.get(commentId) ?? [];
      list.push({ id: nextId++, content, user: user(login) });
      userReactions.set(commentId, list);
    },
  }));
}
