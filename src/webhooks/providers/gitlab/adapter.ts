import { createGitlabClient, type GitlabClient } from '../../../integrations/gitlab.js';
import { type CheckoutSource, LINK_SEGMENT, need, type ProviderAdapter } from '../adapter.js';
import { gitlabHost, gitlabProjectSource, MERGE_REQUESTS } from './code-host.js';
import { GITLAB_PAYLOAD_ROOTS, parseDelivery } from './parse.js';
import { gitlabPermissions } from './permission.js';
import type { GitlabTarget } from './target.js';
import { verifyGitlabToken } from './verify.js';

const POST_BACK = 'GITLAB_TOKEN (and GITLAB_URL for a self-managed instance)';
/** A git branch name safe to pass to git as is; anything else is checked out under a name of ours. */
const PLAIN_BRANCH = /^[A-Za-z0-9_][A-Za-z0-9._/-]{0,200}$/;

/** Notes the service posts: `note:<id>`, the form the loop guard records and `edit` takes. */
const notePost = (id: number) => `note:${id}`;
const where = (t: GitlabTarget) => ({ projectId: t.projectId, noteable: t.noteable, iid: t.iid });

/** GitLab issues and merge requests: notes, award emoji, access levels; a personal, project or group access token. */
export const gitlab: ProviderAdapter<GitlabClient, GitlabTarget> = {
  name: 'gitlab',
  settings: { secret: 'GITLAB_WEBHOOK_SECRET', postBackSettings: POST_BACK },
  enabled: (config) => !!config.GITLAB_WEBHOOK_SECRET,
  signature: { headers: ['x-gitlab-token'], describe: 'X-Gitlab-Token: <the secret token, as is>' },
  verify: (secret, _body, h) => verifyGitlabToken(secret, h['x-gitlab-token']),
  parse: parseDelivery,
  // 'merge_request_note.create' → a Note Hook; the parser reads the rest from the payload.
  dryRunHeaders: () => ({ 'x-gitlab-event': 'Note Hook' }),
  payloadRoots: GITLAB_PAYLOAD_ROOTS,
  markup: 'markdown',
  isSelf: (actor, config) => !!config.GITLAB_BOT_USERNAME && actor.name.toLowerCase() === config.GITLAB_BOT_USERNAME.toLowerCase(),
  selfIds: () => [],
  // A note the service posted that comes back (GitLab sends Note Hooks for every note, its own included).
  ownPostId: ({ target: t }) => (t.noteId ? notePost(t.noteId) : undefined),

  createClient: (config, retries) =>
    config.GITLAB_TOKEN ? createGitlabClient({ baseUrl: config.GITLAB_URL, token: config.GITLAB_TOKEN, retry: retries.others }) : undefined,
  permissions: gitlabPermissions,

  async acknowledge(client, { target: t }) {
    if (!client || !t.noteId) return;
    await client.awardNoteEmoji({ ...where(t), noteId: t.noteId, name: 'eyes' });
  },

  async reply(client, t, text) {
    const note = await need(client, 'GitLab', POST_BACK).createNote({ ...where(t), body: text, internal: t.internal });
    return notePost(note.id);
  },

  async edit(client, t, postId, text) {
    const noteId = Number(postId.replace(/^note:/, ''));
    await need(client, 'GitLab', POST_BACK).editNote({ ...where(t), noteId, body: text });
  },

  /**
   * The project, and for a merge request its head (refs/merge-requests/<iid>/head, which GitLab keeps for forks too)
   * checked out as the source branch. The token goes to git as a header for the clone and fetch only.
   */
  async checkout(client, t, config): Promise<CheckoutSource> {
    const source: CheckoutSource = { ...gitlabProjectSource(config, t.projectPath), label: `${t.projectPath}${t.noteable === 'issue' ? '' : ` !${t.iid}`}` };
    if (t.noteable === 'issue') return source;
    const [mr, project] = client ? await Promise.all([client.mergeRequest({ projectId: t.projectId, iid: t.iid }), client.project(t.projectId)]) : [];
    const branch = mr?.sourceBranch;
    // A fork's MR often comes from its own default branch, whose name the fresh clone already has checked out.
    const usable = branch && PLAIN_BRANCH.test(branch) && !branch.includes('..') && branch !== project?.defaultBranch;
    const local = usable ? branch : `mr-${t.iid}`;
    return { ...source, ref: { fetch: `refs/merge-requests/${t.iid}/head`, local }, label: `${source.label} (${local})` };
  },

  // What the rest of the service asks of it, where it applies: thread links and targets, code host, actions…
  changeRequests: MERGE_REQUESTS,
  codeHost: gitlabHost,
  threadLinks: [
    {
      // https://gitlab.example.com/group/sub/project/-/issues/17, …/-/merge_requests/1
      pattern: `https?://[A-Za-z0-9.:-]{1,200}/((?:${LINK_SEGMENT}/){1,10}${LINK_SEGMENT})/-/(issues|merge_requests)/([0-9]{1,10})\\b`,
      thread: (g) => `${g(1)}${g(2) === 'issues' ? '#' : '!'}${g(3)}`,
    },
  ],
};
