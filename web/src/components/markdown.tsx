import { lazy, Suspense, type ComponentProps } from 'react';
import { foldedPart } from './fold';
import { cx } from './ui';

export { FOLD_CHARS, FOLD_LINES, foldedPart } from './fold';

// react-markdown, its GitHub-flavour plugins and highlight.js are a third of the dashboard's code: they load with the
// first reply to render, not with the app.
const MarkdownView = lazy(() => import('./markdown-view').then((m) => ({ default: m.Markdown })));

/** A reply rendered as Markdown (see markdown-view.tsx); until the renderer has loaded, its text as written. */
export function Markdown(props: ComponentProps<typeof MarkdownView>) {
  const fallback = (
    <div className={cx('min-w-0 whitespace-pre-wrap break-words text-sm leading-6', props.className)} data-markdown-loading>
      {(props.fold !== false && foldedPart(props.text)) || props.text}
    </div>
  );
  return (
    <Suspense fallback={fallback}>
      <MarkdownView {...props} />
    </Suspense>
  );
}
