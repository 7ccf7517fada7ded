import { diffLines } from 'diff';
import { cx } from '../ui';

export interface FileEdit {
  file: string;
  /** What the call replaced: the old string of an Edit; a Write replaces the whole file (its old text is not in the call). */
  before: string;
  after: string;
  whole: boolean;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The file changes a Write, Edit or MultiEdit call makes, from its input; null for any other tool. */
export function editsOf(name: string, input: unknown): FileEdit[] | null {
  if (!input || typeof input !== 'object') return null;
  const i = input as Record<string, unknown>;
  const file = str(i.file_path);
  if (!file) return null;
  if (name === 'Write') return [{ file, before: '', after: str(i.content), whole: true }];
  if (name === 'Edit') return [{ file, before: str(i.old_string), after: str(i.new_string), whole: false }];
  if (name === 'MultiEdit' && Array.isArray(i.edits)) {
    return (i.edits as Array<Record<string, unknown>>).map((e) => ({ file, before: str(e.old_string), after: str(e.new_string), whole: false }));
  }
  return null;
}

/** One change as a line diff (the `diff` library): removed lines red with `-`, added green with `+`. */
export function EditDiff({ edit }: { edit: FileEdit }) {
  const parts = diffLines(edit.before, edit.after);
  return (
    <figure data-testid="file-diff" data-file={edit.file} className="overflow-hidden rounded-md border border-stone-200">
      <figcaption className="bg-stone-100 px-2 py-1 font-mono text-xs text-stone-700">
        {edit.file}
        {edit.whole && <span className="ml-2 text-stone-500">(written whole)</span>}
      </figcaption>
      <pre className="max-h-96 overflow-auto bg-white text-xs leading-5">
        {parts.flatMap((part, p) =>
          part.value
            .replace(/\n$/, '')
            .split('\n')
            .map((line, l) => (
              <div key={`${p}-${l}`} data-change={part.added ? 'added' : part.removed ? 'removed' : undefined} className={cx('px-2 font-mono', part.added && 'bg-green-50 text-green-900', part.removed && 'bg-red-50 text-red-900')}>
                {part.added ? '+ ' : part.removed ? '- ' : '  '}
                {line}
              </div>
            )),
        )}
      </pre>
    </figure>
  );
}

export function ToolDiff({ edits }: { edits: FileEdit[] }) {
  return (
    <div className="mt-1 flex flex-col gap-1">
      {edits.map((edit, i) => (
        <EditDiff key={i} edit={edit} />
      ))}
    </div>
  );
}
