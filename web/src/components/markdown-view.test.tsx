// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FOLD_LINES, foldedPart } from './fold';
import { Markdown } from './markdown-view';

afterEach(cleanup);

describe('Markdown replies', () => {
  it('renders GitHub-flavoured Markdown: headings, lists, tables, task lists and highlighted code', () => {
    const text = ['# Summary', '', '- one', '- two', '', '| a | b |', '|---|---|', '| 1 | 2 |', '', '- [x] done', '', '```ts', 'const x: number = 1;', '```'].join('\n');
    const { container } = render(<Markdown text={text} />);
    expect(container.querySelector('h1')?.textContent).toBe('Summary');
    expect(container.querySelectorAll('ul li').length).toBeGreaterThanOrEqual(3);
    expect(container.querySelectorAll('table td')).toHaveLength(2);
    expect(container.querySelector('input[type="checkbox"]')).not.toBeNull();
    const code = container.querySelector('pre code');
    expect(code?.className).toContain('language-ts');
    expect(code?.querySelector('.hljs-keyword')?.textContent).toBe('const');
  });

  it('never renders HTML or unsafe links from the text', () => {
    const text = 'Hi <img src=x onerror="alert(1)"> <script>alert(2)</script> [click](javascript:alert(3)) [ok](https://example.com)';
    const { container } = render(<Markdown text={text} />);
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    const links = [...container.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['', 'https://example.com']);
    expect(links[1]!.getAttribute('rel')).toContain('noopener');
  });

  it('folds a long reply behind "Show all" and shows the rest on request', () => {
    const text = Array.from({ length: 300 }, (_, i) => `line ${i}`).join('\n\n');
    expect(foldedPart('short')).toBeUndefined();
    const { container } = render(<Markdown text={text} />);
    expect(container.textContent).toContain('line 0');
    expect(container.textContent).not.toContain('line 299');
    expect(container.querySelectorAll('p').length).toBeLessThanOrEqual(FOLD_LINES);
    fireEvent.click(screen.getByRole('button', { name: /Show all/ }));
    expect(container.textContent).toContain('line 299');
    expect(screen.queryByRole('button', { name: /Show all/ })).toBeNull();
  });

  it('copies a code block, without the fence, to the clipboard', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    render(<Markdown text={'```sh\nnpm install && npm start\n```'} />);
    fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
    expect(writeText).toHaveBeenCalledWith('npm install && npm start');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Copied' })).toBeTruthy());
  });
});
