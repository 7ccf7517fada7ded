// A local stand-in for the GitLab REST API v4, enough for the real @gitbeaker/rest client: notes on issues and merge
// requests (created and edited), award emoji on a note, a project member's access level, project and merge request
// details, merge requests opened (on the git server's repository when `gitRoot` is given). Like GitLab: a request
// without PRIVATE-TOKEN gets 401, a second award of the same emoji by the same user gets 404 "Award Emoji Name has
// already been taken", a note edited that was never created here gets 404, a second open merge request from one
// source branch gets 409.
import { type FakeProvider, git, gitRef, json, type Route, startFake } from './fake-providers.js';

export interface FakeGitlabOptions {
  /** user id → access level (10 Guest, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner). Others: 404. */
  members?: Record<number, number>;
  /** Projects by id; each is found by its id or by its URL-encoded path. */
  projects?: Array<{ id: number; path_with_namespace: string; default_branch?: string }>;
  /** Merge requests by `${projectId}!${iid}` (the project's id, or the path when it is not in `projects`). */
  mergeRequests?: Record<string, { source_branch: string; source_project_id: number; sha?: string }>;
  /**
   * The git server's root (`<root>/<group>/<project>.git`, test/support/git-http-server.ts): a merge request opened
   * here needs its source branch there, and gets its `refs/merge-requests/<iid>/head`.
   */
  gitRoot?: string;
}

/** A merge request the service opened (POST /projects/:id/merge_requests), as it was sent. */
export interface FakeMergeRequest {
  project: string;
  iid: number;
  source_branch: string;
  target_branch: string;
  title: string;
  description: string;
  /** GitLab makes a merge request a draft by its title's `Draft:` prefix. */
  draft: boolean;
  web_url: string;
}

export interface FakeNote {
  id: number;
  project: string;
  noteable: 'issues' | 'merge_requests';
  iid: number;
  body: string;
  /** Every body it had, first to last. */
  history: string[];
  /** Created as an internal note. */
  internal: boolean;
}

export interface FakeGitlab extends FakeProvider {
  setAccessLevel(userId: number, level: number): void;
  /** The members endpoint answers this many milliseconds late (0: at once). */
  slowMembers(ms: number): void;
  /** Notes the service created, in order. */
  notes: FakeNote[];
  /** Merge requests the service opened, in order. */
  openedMergeRequests: FakeMergeRequest[];
  /** Emoji awarded to notes people wrote (the triggering notes), as `${project}/${noteable}/${iid}/${noteId}:${name}`. */
  awards: string[];
}

const BOT = { id: 999, username: 'claude-agent', name: 'Claude Code Agent', state: 'active' };
const NOTEABLE = '(?<project>[^/]+)\\/(?<noteable>issues|merge_requests)\\/(?<iid>\\d+)';

export function startFakeGitlab(opts: FakeGitlabOptions = {}): Promise<FakeGitlab> {
  const members = new Map(Object.entries(opts.members ?? {}).map(([id, level]) => [Number(id), level]));
  const projects = opts.projects ?? [];
  const notes: FakeNote[] = [];
  const awards: string[] = [];
  const mergeRequests = new Map(Object.entries(opts.mergeRequests ?? {}));
  const opened: FakeMergeRequest[] = [];
  let nextIid = 100;
  let nextId = 7001;
  let membersDelayMs = 0;
  const now = () => new Date().toISOString();
  const notFound = (what = 'Not found') => json(404, { message: `404 ${what}` });
  const findProject = (ref: string) => projects.find((p) => String(p.id) === ref || p.path_with_namespace === decodeURIComponent(ref));
  const noteView = (n: FakeNote) => ({
    id: n.id,
    body: n.body,
    author: BOT,
    created_at: now(),
    updated_at: now(),
    system: false,
    noteable_type: n.noteable === 'issues' ? 'Issue' : 'MergeRequest',
    noteable_iid: n.iid,
    internal: n.internal,
  });
  const authed = (handle: Route['handle']): Route['handle'] => (req, p) =>
    req.privateToken ? handle(req, p) : json(401, { message: '401 Unauthorized' });
  const route = (method: string, pattern: string, handle: Route['handle']): Route => ({
    method,
    pattern: new RegExp(`^/api/v4/projects/${pattern}$`),
    handle: authed(handle),
  });

  const routes: Route[] = [
    route('POST', `${NOTEABLE}/notes`, (req, p) => {
      if (typeof req.body?.body !== 'string' || req.body.body === '') return json(400, { message: { note: ["can't be blank"] } });
      const note: FakeNote = { id: nextId++, project: p.project!, noteable: p.noteable as FakeNote['noteable'], iid: Number(p.iid), body: req.body.body, history: [req.body.body], internal: req.body.internal === true };
      notes.push(note);
      return json(201, noteView(note));
    }),
    route('PUT', `${NOTEABLE}/notes/(?<note>\\d+)`, (req, p) => {
      const note = notes.find((n) => n.id === Number(p.note) && n.project === p.project && n.noteable === p.noteable && n.iid === Number(p.iid));
      if (!note) return notFound('Note Not Found');
      note.body = String(req.body?.body ?? '');
      note.history.push(note.body);
      return json(200, noteView(note));
    }),
    route('POST', `${NOTEABLE}/notes/(?<note>\\d+)/award_emoji`, (req, p) => {
      const key = `${decodeURIComponent(p.project!)}/${p.noteable}/${p.iid}/${p.note}:${String(req.body?.name)}`;
      if (awards.includes(key)) return notFound('Award Emoji Name has already been taken');
      awards.push(key);
      return json(201, { id: nextId++, name: req.body?.name, user: BOT, awardable_id: Number(p.note), awardable_type: 'Note', created_at: now() });
    }),
    route('GET', '(?<project>[^/]+)/members/all/(?<user>\\d+)', (_req, p) => {
      const level = members.get(Number(p.user));
      if (level === undefined) return notFound();
      const member = { id: Number(p.user), username: `user${p.user}`, name: `User ${p.user}`, state: 'active', access_level: level };
      return { ...json(200, member), delayMs: membersDelayMs };
    }),
    route('POST', '(?<project>[^/]+)/merge_requests', (req, p) => {
      const project = findProject(p.project!);
      if (!project) return notFound('Project Not Found');
      const { source_branch: source, target_branch: target, title, description } = req.body ?? {};
      if (typeof source !== 'string' || typeof target !== 'string' || typeof title !== 'string') return json(400, { message: 'source_branch, target_branch, title are missing' });
      const [owner, repo] = [project.path_with_namespace.split('/').slice(0, -1).join('/'), project.path_with_namespace.split('/').at(-1)!];
      if (opts.gitRoot && gitRef(opts.gitRoot, { owner, repo }, `refs/heads/${source}`) === undefined) return json(422, { message: ['Source branch does not exist'] });
      if (opened.some((m) => m.project === project.path_with_namespace && m.source_branch === source)) {
        return json(409, { message: [`Another open merge request already exists for this source branch: !${nextIid - 1}`] });
      }
      const iid = nextIid++;
      if (opts.gitRoot) git(opts.gitRoot, { owner, repo }, ['update-ref', `refs/merge-requests/${iid}/head`, `refs/heads/${source}`]);
      const web_url = `https://gitlab.example/${project.path_with_namespace}/-/merge_requests/${iid}`;
      const mr: FakeMergeRequest = { project: project.path_with_namespace, iid, source_branch: source, target_branch: target, title, description: String(description ?? ''), draft: /^(draft:|\[draft\])/i.test(title), web_url };
      opened.push(mr);
      mergeRequests.set(`${project.id}!${iid}`, { source_branch: source, source_project_id: project.id });
      return json(201, { id: nextId++, project_id: project.id, state: 'opened', target_project_id: project.id, source_project_id: project.id, sha: null, ...mr });
    }),
    route('GET', '(?<project>[^/]+)/merge_requests/(?<iid>\\d+)', (_req, p) => {
      const projectId = findProject(p.project!)?.id ?? decodeURIComponent(p.project!);
      const mr = mergeRequests.get(`${projectId}!${p.iid}`);
      if (!mr) return notFound();
      return json(200, { iid: Number(p.iid), project_id: projectId, state: 'opened', sha: null, ...mr });
    }),
    route('GET', '(?<project>[^/]+)', (_req, p) => {
      const project = findProject(p.project!);
      if (!project) return notFound('Project Not Found');
      return json(200, { default_branch: 'main', ...project, name: project.path_with_namespace.split('/').at(-1) });
    }),
  ];

  return startFake({
    routes,
    notFound: () => notFound(),
    failure: (status) => ({ json: { message: status === 429 ? 'Retry later' : `${status} Internal Server Error` } }),
  }).then((fake) => ({
    ...fake,
    notes,
    awards,
    openedMergeRequests: opened,
    setAccessLevel(userId: number, level: number) {
      members.set(userId, level);
    },
    slowMembers(ms: number) {
      membersDelayMs = ms;
    },
  }));
}
