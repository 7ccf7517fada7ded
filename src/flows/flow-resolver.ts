// One session across providers (issue 15, item 1): which flow a thread's tasks join. A thread is its own flow
// (flowIdFor of its external id) until it is linked into another one — by a message that links a thread the service
// knows, by `@agent continue <flow or link>`, or because a run opened it (a Jira issue, a pull request). Tasks of a
// flow share its conversation, so a command in any linked thread resumes the same Claude session.
//
// Linking hands a thread the whole session (what the run read in every other thread of the flow), so only someone
// the provider calls a maintainer links by naming a thread; anyone else's mention is just text.
import { externalThreadId, flowIdFor } from '../domain/ids.js';
import type { FlowLinkVia } from '../storage/repositories/flow-links.js';
import type { Repositories } from '../storage/repositories/index.js';
import { type ThreadRef, threadRefsIn } from './thread-refs.js';

/** The flow a delivery's task joins, and the link to write with it when the thread is joining just now. */
export interface FlowChoice {
  flowId: string;
  link?: { via: FlowLinkVia; named: string };
}

export type ContinueResult =
  | { linked: true; flowId: string; named: string }
  | { linked: false; why: string };

export class FlowResolver {
  constructor(private readonly repos: Pick<Repositories, 'flowLinks'>) {}

  /** The flow a thread's tasks join now. */
  async flowOf(externalId: string): Promise<string> {
    return (await this.repos.flowLinks.get(externalId))?.flow_id ?? flowIdFor(externalId);
  }

  /**
   * For a delivery that creates a task: the thread's flow. A thread the service has not seen before joins the flow of
   * the first known thread its text links, when a maintainer wrote it; a thread with history stays where it is
   * (`@agent continue` moves it).
   */
  async forDelivery(provider: string, thread: string, text: string, maintainer: boolean): Promise<FlowChoice> {
    const externalId = externalThreadId(provider, thread);
    const { linked, ofTasks } = await this.repos.flowLinks.threadFlows(externalId);
    if (linked) return { flowId: linked };
    const own = flowIdFor(externalId);
    if (!maintainer || ofTasks) return { flowId: own };
    for (const ref of threadRefsIn(text)) {
      const flowId = await this.knownFlow(ref, externalId);
      if (flowId && flowId !== own) return { flowId, link: { via: 'mention', named: nameOf(ref) } };
    }
    return { flowId: own };
  }

  /** `@agent continue <flow id or link>`: links the thread into the named flow (written at once, like an approval). */
  async continueIn(provider: string, thread: string, text: string, maintainer: boolean): Promise<ContinueResult> {
    if (!maintainer) return { linked: false, why: 'only a maintainer may link this thread to another flow (it would see everything that flow\'s session read)' };
    const externalId = externalThreadId(provider, thread);
    const refs = threadRefsIn(text).filter((r) => !(r.kind === 'thread' && r.externalId === externalId));
    const ref = refs[0];
    if (!ref) return { linked: false, why: 'say which flow or thread to continue: `continue flow_…`, a Jira key, or a link to the issue, pull request, Sentry issue or Slack thread' };
    const flowId = await this.knownFlow(ref, externalId);
    if (!flowId) return { linked: false, why: `nothing has run for ${nameOf(ref)} yet, so there is no session to continue` };
    if (flowId === (await this.flowOf(externalId))) return { linked: false, why: `this thread already belongs to ${flowId}` };
    await this.repos.flowLinks.link({ external_id: externalId, flow_id: flowId, via: 'continue' });
    return { linked: true, flowId, named: nameOf(ref) };
  }

  /** The flow a name stands for, when the service knows it: a flow with tasks, or a thread linked or with tasks. */
  private async knownFlow(ref: ThreadRef, self: string): Promise<string | undefined> {
    const links = this.repos.flowLinks;
    if (ref.kind === 'flow') return (await links.flowExists(ref.flowId)) ? ref.flowId : undefined;
    if (ref.externalId === self) return undefined;
    return (await links.get(ref.externalId))?.flow_id ?? (await links.flowOfThreadTasks(ref.externalId));
  }
}

function nameOf(ref: ThreadRef): string {
  return ref.kind === 'flow' ? ref.flowId : ref.externalId;
}
