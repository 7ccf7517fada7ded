import type { Generated, Selectable } from 'kysely';

// What the service delivered outside itself for its runs (migration 0007): the pull requests it opened.

/** A pull (merge) request the service opened for a run, and what became of it. */
export interface PullRequestTable {
  pr_id: string;
  provider: string;
  /** 'owner/repo' (GitHub). */
  repository: string;
  number: number;
  url: string;
  branch: string;
  base: string;
  /** open | closed | merged */
  state: Generated<string>;
  /** pending | success | failure, from check_suite and status deliveries; null until one arrives. */
  checks: string | null;
  /** The last commit the service pushed to it (what check_suite and status deliveries name). */
  head_sha: string | null;
  /** The task whose run opened it. */
  task_id: string;
  flow_id: string | null;
  agent: string | null;
  command: string | null;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
}

export type PullRequestRow = Selectable<PullRequestTable>;
