import { describe, expect, it } from 'vitest';
import { SKILL_LIMITS, skillFilesProblems, skillPathProblem } from './skill-files.js';

describe('skill file paths', () => {
  it('accepts plain relative paths', () => {
    for (const p of ['SKILL.md', 'reference.md', 'scripts/tag.sh', 'a/b/c/d.md', 'v1.2_notes-final.txt']) expect(skillPathProblem(p), p).toBeUndefined();
  });

  it.each([
    ['../x.md', '".."'],
    ['a/../../x.md', '".."'],
    ['..', '".."'],
    ['/etc/passwd', 'absolute'],
    ['C:/x', 'absolute'],
    ['~/x', 'absolute'],
    ['%2e%2e%2fx.md', 'encoded separator'],
    ['..%2fx.md', 'encoded separator'],
    ['a%2Fb', 'encoded separator'],
    ['a%5cb', 'encoded separator'],
    ['%2e%2e/x.md', 'percent-encoded'],
    ['a\\..\\b', 'backslash'],
    ['a\u0000b', 'NUL'],
    ['./x.md', 'not normalised'],
    ['a//b', 'not normalised'],
    ['a/', 'not normalised'],
    ['.env', 'not starting with "."'],
    ['a/b c.md', 'not letters'],
    ['a/b/c/d/e.md', 'levels deep'],
    ['', 'empty'],
    [`${'a'.repeat(SKILL_LIMITS.pathLength + 1)}`, 'longer'],
  ])('refuses %j (%s)', (p, why) => {
    expect(skillPathProblem(p)).toContain(why);
  });

  it('checks the folder as a whole: SKILL.md, counts, sizes, text only, file-versus-folder clashes', () => {
    expect(skillFilesProblems({ 'SKILL.md': 'x' })).toEqual([]);
    expect(skillFilesProblems({ 'README.md': 'x' })[0]).toMatch(/^files: a skill needs a SKILL.md/);
    const many = Object.fromEntries(Array.from({ length: SKILL_LIMITS.files + 1 }, (_, i) => [i === 0 ? 'SKILL.md' : `f${i}.md`, 'x']));
    expect(skillFilesProblems(many).join()).toContain(`at most ${SKILL_LIMITS.files} files`);
    expect(skillFilesProblems({ 'SKILL.md': 'x', big: 'y'.repeat(SKILL_LIMITS.fileBytes + 1) })[0]).toMatch(/^files\["big"\]: larger than/);
    expect(skillFilesProblems({ 'SKILL.md': 'x', 'n.md': 42 })[0]).toBe('files["n.md"]: the content must be text');
    expect(skillFilesProblems({ 'SKILL.md': 'x', docs: 'a', 'docs/b.md': 'b' })[0]).toContain('is both a file and the folder');
    expect(skillFilesProblems({ 'SKILL.md': 'x', '../x': 'y' })[0]).toBe('files["../x"]: the path climbs out with ".."');
  });
});
