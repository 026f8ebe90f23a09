// Structural checks on a rendered step summary, shared by the renderer and the action tests.
import { expect } from 'vitest';
import { ALLOWED_TAGS, elements, parseHtml, renderGfm, text, type Element } from './gfm.ts';

export interface RenderedSummary {
  html: string;
  details: Element[];
  tables: Element[];
  text: string;
}

/** Render with cmark-gfm and check what must hold for every summary. */
export function checkSummary(markdown: string): RenderedSummary {
  expect(Buffer.byteLength(markdown)).toBeLessThan(1024 * 1024);
  const html = renderGfm(markdown);
  // Every <details> opened is closed, in the raw HTML GitHub receives.
  expect(html.match(/<details[ >]/g)?.length ?? 0).toBe(html.match(/<\/details>/g)?.length ?? 0);
  const root = parseHtml(html);
  for (const el of elements(root)) expect(ALLOWED_TAGS, `unexpected <${el.tagName}>`).toContain(el.tagName);
  const details = elements(root, 'details');
  for (const d of details) {
    const first = d.childNodes.find((n) => 'tagName' in n);
    expect(first && 'tagName' in first ? first.tagName : undefined).toBe('summary');
  }
  const tables = elements(root, 'table');
  for (const table of tables) {
    const width = elements(table, 'th').length;
    for (const row of elements(table, 'tr'))
      expect(row.childNodes.filter((n) => 'tagName' in n)).toHaveLength(width);
  }
  return { html, details, tables, text: text(root) };
}

/** The rows of the first table whose header starts with `Status`, as [label, tests, subtests]. */
export function statusRows(rendered: RenderedSummary): string[][] {
  const table = rendered.tables.find((t) => text(elements(t, 'th')[0] ?? t) === 'Status');
  if (!table) return [];
  return elements(table, 'tr')
    .slice(1)
    .map((tr) => elements(tr, 'td').map(text));
}
