import type { ReactNode } from 'react';

/** The analytics pages' plain tables: a row of column headings over the given body rows. */
export function StatTable({ headings, label, children }: { headings: readonly string[]; label?: string; children: ReactNode }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-sm" aria-label={label}>
        <thead>
          <tr className="text-left text-xs text-stone-500">
            {headings.map((h) => (
              <th key={h} className="pb-1 pr-3 font-medium">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-stone-100 tabular-nums">{children}</tbody>
      </table>
    </div>
  );
}
