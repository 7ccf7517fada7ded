// Reviews on the lines: a run reports its findings in a file of its workspace (REVIEW_FILE, validated here), and the
// service posts them as one GitHub pull request review: a summary, and a comment on each line that is part of the
// pull request's diff. Findings on lines outside the diff (GitHub refuses those) go into the summary; a file that is
// not valid falls back to one review comment with the run's own summary.
import fs from 'node:fs/promises';
import path from 'node:path';
import { parsePatch } from 'diff';
import { z } from 'zod';
import type { GithubClient, ReviewLineComment } from '../../../integrations/github.js';
import type { TaskRow } from '../../../storage/schema.js';
import type { GithubRepository } from './code-host.js';

/** Where a run writes its review, relative to its workspace (the `review` command's prompt names it). */
export const REVIEW_FILE = '.agent/review.json';
const MAX_FILE_BYTES = 256 * 1024;

export const ReviewFile = z.object({
  summary: z.string().min(1).max(60_000),
  comments: z
    .array(z.object({ path: z.string().min(1).max(1_000), line: z.number().int().positive(), body: z.string().min(1).max(20_000) }))
    .max(100)
    .default([]),
});
export type ReviewFile = z.infer<typeof ReviewFile>;

type ReadResult = { kind: 'none' } | { kind: 'valid'; review: ReviewFile } | { kind: 'invalid'; why: string };

/**
 * Reads the review file of a workspace. The run wrote it, so it is hostile: it must be a regular file inside the
 * workspace (a symbolic link to anything else is refused, so the service never posts a file the run could not
 * read itself), at most MAX_FILE_BYTES, and valid JSON of the ReviewFile shape.
 */
export async function readReviewFile(workTree: string): Promise<ReadResult> {
  const file = path.join(workTree, REVIEW_FILE);
  const stat = await fs.lstat(file).catch(() => undefined);
  if (!stat) return { kind: 'none' };
  if (!stat.isFile()) return { kind: 'invalid', why: `${REVIEW_FILE} is not a regular file` };
  if (stat.size > MAX_FILE_BYTES) return { kind: 'invalid', why: `${REVIEW_FILE} is larger than ${MAX_FILE_BYTES} bytes` };
  const [real, root] = await Promise.all([fs.realpath(file), fs.realpath(workTree)]);
  if (!real.startsWith(`${root}${path.sep}`)) return { kind: 'invalid', why: `${REVIEW_FILE} is outside the workspace` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(real, 'utf8'));
  } catch (err) {
    return { kind: 'invalid', why: `${REVIEW_FILE} is not JSON (${(err as Error).message})` };
  }
  const result = ReviewFile.safeParse(parsed);
  if (!result.success) return { kind: 'invalid', why: `${REVIEW_FILE}: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
  return { kind: 'valid', review: result.data };
}

/** The lines of the new side a review may comment on: those inside a hunk of the file's patch (added or context). */
export function commentableLines(patch: string | undefined): Set<number> {
  const lines = new Set<number>();
  if (!patch) return lines;
  for (const hunk of parsePatch(patch)[0]?.hunks ?? []) {
    let line = hunk.newStart;
    for (const l of hunk.lines) {
      if (l.startsWith('-') || l.startsWith('\\')) continue;
      lines.add(line++);
    }
  }
  return lines;
}

/**
 * Posts the run's review of pull request `pullNumber`, if its workspace has a review file. Returns what was posted:
 * 'lines' (a review with at least one line comment), 'summary' (one comment: nothing mapped, or the file was not
 * valid), or 'none' (no file).
 */
export async function postReview(github: GithubClient, task: TaskRow, repository: GithubRepository, pullNumber: number): Promise<'lines' | 'summary' | 'none'> {
  if (!task.working_dir) return 'none';
  const read = await readReviewFile(task.working_dir);
  if (read.kind === 'none') return 'none';
  const pr = { ...repository, pullNumber };
  if (read.kind === 'invalid') {
    const body = `${(task.output ?? '').trim() || '(the run left no summary)'}\n\n_(The run's line comments could not be used: ${read.why}.)_`;
    await github.createReview({ ...pr, body, comments: [] });
    return 'summary';
  }
  const files = new Map((await github.listPullRequestFiles(pr)).map((f) => [f.filename, commentableLines(f.patch)]));
  const onLines: ReviewLineComment[] = [];
  const elsewhere: string[] = [];
  for (const c of read.review.comments) {
    if (files.get(c.path)?.has(c.line)) onLines.push(c);
    else elsewhere.push(`- \`${c.path.replaceAll('`', "'")}:${c.line}\`: ${c.body}`);
  }
  const body = elsewhere.length ? `${read.review.summary}\n\nOn lines outside the diff:\n${elsewhere.join('\n')}` : read.review.summary;
  await github.createReview({ ...pr, body, comments: onLines });
  return onLines.length ? 'lines' : 'summary';
}
