// The files of a skill folder as a client sends them: relative paths that must stay inside the folder however they
// are spelled. Paths are checked as text, before anything touches the disk, and are refused rather than repaired:
// a client that sends `a/../b` or `%2e%2e%2f` is told so instead of getting a file somewhere it did not expect.

export const SKILL_LIMITS = {
  files: 32,
  depth: 4,
  pathLength: 200,
  fileBytes: 256 * 1024,
  totalBytes: 1024 * 1024,
} as const;

/** One path segment: letters, digits, `_`, `-`, `.`, not starting with a dot (no `.`, `..` or hidden files). */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

/** Why a path may not be used, or undefined when it is fine. */
export function skillPathProblem(p: string): string | undefined {
  if (p.length === 0) return 'is empty';
  if (p.length > SKILL_LIMITS.pathLength) return `is longer than ${SKILL_LIMITS.pathLength} characters`;
  if (p.includes('\0')) return 'contains a NUL character';
  if (p.includes('\\')) return 'contains a backslash; separate folders with "/"';
  if (/%(2f|5c)/i.test(p)) return 'contains an encoded separator (%2f or %5c)';
  if (/%[0-9a-f]{2}/i.test(p)) return 'is percent-encoded; send the plain path';
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.startsWith('~')) return 'is absolute; paths are relative to the skill folder';
  const segments = p.split('/');
  if (segments.some((s) => s === '..')) return 'climbs out with ".."';
  if (segments.some((s) => s === '.' || s === '')) return 'is not normalised (no "./", "//" or trailing "/")';
  if (segments.length > SKILL_LIMITS.depth) return `is nested more than ${SKILL_LIMITS.depth} levels deep`;
  const bad = segments.find((s) => !SEGMENT.test(s));
  if (bad !== undefined) return `has a part "${bad}" that is not letters, digits, ".", "_" or "-" (not starting with ".")`;
  return undefined;
}

/** Problems with a whole folder, each starting with the field it is about (`files` or `files["<path>"]`). */
export function skillFilesProblems(files: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const paths = Object.keys(files);
  if (!paths.includes('SKILL.md')) problems.push('files: a skill needs a SKILL.md at the top of its folder');
  if (paths.length > SKILL_LIMITS.files) problems.push(`files: at most ${SKILL_LIMITS.files} files in a skill, got ${paths.length}`);
  let total = 0;
  for (const p of paths) {
    const label = `files[${JSON.stringify(p)}]`;
    const why = skillPathProblem(p);
    if (why) {
      problems.push(`${label}: the path ${why}`);
      continue;
    }
    const content = files[p];
    if (typeof content !== 'string') {
      problems.push(`${label}: the content must be text`);
      continue;
    }
    const bytes = Buffer.byteLength(content);
    total += bytes;
    if (bytes > SKILL_LIMITS.fileBytes) problems.push(`${label}: larger than ${SKILL_LIMITS.fileBytes / 1024} KiB`);
    if (content.includes('\0')) problems.push(`${label}: the content contains a NUL character (text files only)`);
  }
  if (total > SKILL_LIMITS.totalBytes) problems.push(`files: more than ${SKILL_LIMITS.totalBytes / 1024} KiB in all`);
  // `a` and `a/b` cannot both exist: one would have to be a file and a folder.
  const set = new Set(paths);
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (set.has(prefix)) problems.push(`files[${JSON.stringify(prefix)}]: is both a file and the folder of ${JSON.stringify(p)}`);
    }
  }
  return problems;
}
