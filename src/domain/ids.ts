import { createHash, randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/**
 * Time-ordered ids (`task_0mf3…`): sortable by creation, unique across processes (random tail), readable in logs.
 * The counter keeps ids minted in the same millisecond by one process in order.
 */
export function newId(prefix: string): string {
  const now = Date.now();
  counter = now === lastMs ? counter + 1 : 0;
  lastMs = now;
  const time = now.toString(36).padStart(9, '0');
  const seq = counter.toString(36).padStart(3, '0');
  return `${prefix}_${time}${seq}${randomBytes(6).toString('hex')}`;
}

/** A provider thread named stably: `github:owner/repo#12`, `jira:PROJ-5`, `slack:C123/1700000000.000100`. */
export function externalThreadId(provider: string, thread: string): string {
  return `${provider}:${thread}`;
}

function digest(kind: string, externalId: string): string {
  return createHash('sha256').update(`${kind}\0${externalId}`).digest('hex').slice(0, 24);
}

/** The flow of one external thread: every task the thread causes shares it, on any machine, forever. */
export function flowIdFor(externalId: string): string {
  return `flow_${digest('flow', externalId)}`;
}

/** The conversation of one external thread, so all its tasks resume one Claude session. */
export function conversationIdFor(externalId: string): string {
  return `conv_${digest('conversation', externalId)}`;
}
