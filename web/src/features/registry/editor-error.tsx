import { ApiError } from '../../lib/api-client';

/** A 400 from the registry names the field at fault (`{error, field}`); it is shown beside the editor. */
export function EditorError({ error }: { error: unknown }) {
  if (!error) return null;
  const field = error instanceof ApiError ? error.field : undefined;
  const problems = error instanceof ApiError ? error.details : [];
  return (
    <div role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="editor-error">
      {field && <span className="mr-1 rounded bg-red-200 px-1.5 py-0.5 font-mono text-xs">{field}</span>}
      {problems.length > 1 ? (
        <>
          {problems.length} problems:
          <ul className="mt-1 list-disc pl-5">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </>
      ) : (
        (error as Error).message
      )}
    </div>
  );
}
