/** Where a GitLab task reports back: the issue or merge request a note was written on. */
export interface GitlabTarget {
  provider: 'gitlab';
  projectId: number;
  /** 'group/subgroup/project', checked to be a plain path (it becomes part of a clone URL). */
  projectPath: string;
  noteable: 'issue' | 'merge_request';
  /** The project-scoped number: #12 for an issue, !7 for a merge request. */
  iid: number;
  /** The triggering note (for the 👀 award). */
  noteId?: number;
  /**
   * The request was an internal note, or on a confidential issue: replies are internal notes too, so what the agent
   * answers is seen by no one who could not see the request.
   */
  internal?: boolean;
}
