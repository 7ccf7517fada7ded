// What a delivery whose sender's permission was not cached leaves for later (stored in permission_waits with its
// tasks): enough to finish the pipeline's permission and approval steps once the provider answers, without the
// delivery's payload.
import type { EngineEvent } from './engine.js';
import type { ProviderEvent } from './providers/types.js';
import type { Route, Rule } from './rules/types.js';

/** One waiting task: the approval rule of its command, the approval request to post, and whether to react 👀. */
export interface TaskWait {
  taskId: string;
  approval: Rule['needs_approval'];
  ask: string | null;
  ack: boolean;
}

export interface PermissionWaitPlan {
  /** The delivery's event without payload or headers: who asked, and where to answer. */
  event: ProviderEvent;
  tasks: TaskWait[];
  /** The commands the sender asked for by name: a refusal tells them why. */
  asked: string[];
}

export function waitingEvent(event: ProviderEvent | EngineEvent): ProviderEvent {
  const { payload: _payload, headers: _headers, ...kept } = event as EngineEvent;
  return { ...(kept as ProviderEvent), payload: null };
}

/** The reply a refused sender gets, whether the permission was cached or looked up later. */
export function refusalText(asked: string[], why: string): string {
  return `Sorry, I can't run \`${asked.join('`, `')}\` for you: ${why}.`;
}

/** The "waits for approval" request, when the route has an approve command to answer it with. */
export function approvalAsk(rule: Rule, route: Route): string | null {
  if (!route.commands.some((c) => c.enabled && c.action === 'approve')) return null;
  return `\`${rule.name}\` would run Claude Code with edit permissions (${rule.description}). It waits for approval: someone with write access can reply \`${route.triggerPhrase} approve\` or \`${route.triggerPhrase} reject\`.`;
}

/** Whether a command with this approval rule waits for a person, given whether the sender is a maintainer. */
export function needsApprovalOf(rule: Rule['needs_approval'], maintainer: boolean): boolean {
  return rule === true || (rule === 'non-maintainers' && !maintainer);
}
