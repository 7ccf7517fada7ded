/** Where replies to a Jira delivery go (recorded on its task for the post-back). */
export interface JiraTarget {
  provider: 'jira';
  issueKey: string;
}
