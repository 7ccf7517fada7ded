import 'highlight.js/styles/github-dark.css';
import { Children, isValidElement, useState, type ComponentProps, type ReactNode } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import remarkGfm from 'remark-gfm';
import { plural } from '../lib/format';
import { foldedPart } from './fold';
import { cx } from './ui';

function textOf(node: ReactNode): string {
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join('');
  if (isValidElement<{ children?: ReactNode }>(node)) return textOf(node.props.children);
  return '';
}

function CodeBlock({ children, ...rest }: ComponentProps<'pre'>) {
  const [copied, setCopied] = useState(false);
  const code = textOf(Children.toArray(children)).replace(/\n$/, '');
  const copy = () => {
    void navigator.clipboard?.writeText(code).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <div className="group relative my-2">
      <pre {...rest} className="max-h-[32rem] overflow-auto rounded-md bg-stone-900 p-3 font-mono text-xs leading-5 text-stone-100">
        {children}
      </pre>
      <button
        type="button"
        onClick={copy}
        onBlur={() => setCopied(false)}
        className="absolute right-2 top-2 rounded bg-stone-700 px-2 py-0.5 text-xs text-stone-100 opacity-80 hover:opacity-100"
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

const components: Components = {
  pre: CodeBlock,
  code: ({ className, ...rest }) => <code {...rest} className={cx(className, !className?.includes('hljs') && 'rounded bg-stone-100 px-1 py-0.5 font-mono text-[0.85em]')} />,
  h1: (p) => <h1 {...p} className="mb-2 mt-3 text-lg font-semibold" />,
  h2: (p) => <h2 {...p} className="mb-2 mt-3 text-base font-semibold" />,
  h3: (p) => <h3 {...p} className="mb-1 mt-2 text-sm font-semibold" />,
  p: (p) => <p {...p} className="my-1.5" />,
  ul: (p) => <ul {...p} className="my-1.5 list-disc pl-5" />,
  ol: (p) => <ol {...p} className="my-1.5 list-decimal pl-5" />,
  blockquote: (p) => <blockquote {...p} className="my-2 border-l-4 border-stone-300 pl-3 text-stone-600" />,
  a: ({ href, ...p }) => <a {...p} href={href} className="text-indigo-700 underline" target="_blank" rel="noreferrer noopener" />,
  table: (p) => (
    <div className="my-2 overflow-x-auto">
      <table {...p} className="border-collapse text-xs" />
    </div>
  ),
  th: (p) => <th {...p} className="border border-stone-300 bg-stone-100 px-2 py-1 text-left font-semibold" />,
  td: (p) => <td {...p} className="border border-stone-300 px-2 py-1 align-top" />,
};

/**
 * A reply as GitHub would show it: headings, lists, tables, task lists and highlighted code with a copy button. Raw
 * HTML in the text is shown as text, never rendered, and `javascript:` and other unsafe links are dropped
 * (react-markdown's default URL check) — the text comes from a model that read hostile input.
 */
export function Markdown({ text, className, fold = true }: { text: string; className?: string; fold?: boolean }) {
  const [all, setAll] = useState(false);
  const part = fold && !all ? foldedPart(text) : undefined;
  return (
    <div className={cx('min-w-0 break-words text-sm leading-6', className)} data-markdown>
      <ReactMarkdown remarkPlugins={[remarkGfm]} rehypePlugins={[[rehypeHighlight, { detect: false }]]} components={components}>
        {part ?? text}
      </ReactMarkdown>
      {part !== undefined && (
        <button type="button" className="mt-1 text-xs font-medium text-indigo-700 underline" onClick={() => setAll(true)}>
          Show all ({plural(text.split('\n').length, 'line')}, {Math.max(1, Math.round(text.length / 1024))} KB)
        </button>
      )}
    </div>
  );
}
