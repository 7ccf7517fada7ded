/** Where replies to a Slack delivery go (recorded on its task for the post-back). */
export interface SlackTarget {
  provider: 'slack';
  channel: string;
  /** Root of the thread to reply in; '' for a slash command, which has no message yet (use responseUrl). */
  threadTs: string;
  /** The triggering message (for the reaction). */
  messageTs?: string;
  responseUrl?: string;
  teamId?: string;
}
