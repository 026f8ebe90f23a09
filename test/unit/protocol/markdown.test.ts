import { codeFence, escapeHtml, escapeMarkdown } from '@bpf-ci/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALLOWED_TAGS, HOSTILE, elements, parseHtml, renderGfm, text } from '../report/gfm.ts';

// One cmark-gfm run renders many samples: each in a table cell, a list item and a code fence.
function renderSamples(samples: string[]): {
  cells: string[];
  items: string[];
  codes: string[];
  tags: Set<string>;
} {
  const md = samples
    .map((s) => `| value |\n| --- |\n| ${escapeMarkdown(s)} |\n\n- ${escapeMarkdown(s)}\n\n${codeFence(s)}\n`)
    .join('\n<hr>\n\n');
  const root = parseHtml(renderGfm(md));
  return {
    cells: elements(root, 'td').map(text),
    items: elements(root, 'li').map(text),
    codes: elements(root, 'pre').map(text),
    tags: new Set(elements(root).map((e) => e.tagName)),
  };
}

describe('Markdown and HTML escaping, checked with cmark-gfm', () => {
  it('shows hostile names as their own text in table cells, list items and code blocks', () => {
    const { cells, items, codes, tags } = renderSamples(HOSTILE);
    expect(cells).toEqual(HOSTILE);
    expect(items).toEqual(HOSTILE);
    expect(codes).toEqual(HOSTILE.map((s) => `${s}\n`));
    expect(
      [...tags].filter(
        (t) => !['table', 'thead', 'tbody', 'tr', 'th', 'td', 'ul', 'li', 'pre', 'code', 'hr'].includes(t),
      ),
    ).toEqual([]);
  });

  it('round-trips arbitrary printable text (property-based, one render per batch)', () => {
    const printable = fc.string({
      unit: fc.constantFrom(...' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~aZ09'.split('')),
      minLength: 1,
      maxLength: 40,
    });
    const samples = fc.sample(printable, { numRuns: 300, seed: 42 }).filter((s) => s.trim() !== '');
    const { cells, items, codes, tags } = renderSamples(samples);
    // cmark strips a cell's and an item's edge whitespace; the text is otherwise unchanged.
    expect(cells).toEqual(samples.map((s) => s.trim()));
    expect(items).toEqual(samples.map((s) => s.trim()));
    expect(codes).toEqual(samples.map((s) => `${s}\n`));
    for (const t of tags) expect(ALLOWED_TAGS).toContain(t);
  });

  it('code fences outgrow any backtick run in the content', () => {
    expect(codeFence('plain')).toBe('```text\nplain\n```\n');
    expect(codeFence('a ```` b\n```\n')).toBe('`````text\na ```` b\n```\n`````\n');
  });

  it('escapes HTML for raw-HTML contexts such as <summary>', () => {
    expect(escapeHtml(`<script>"x" & 'y'</script>`)).toBe(
      '&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;',
    );
    const root = parseHtml(
      renderGfm(`<details>\n<summary>${escapeHtml(HOSTILE.join(' '))}</summary>\n\nbody\n\n</details>\n`),
    );
    expect(elements(root, 'summary').map(text)).toEqual([HOSTILE.join(' ')]);
    expect(elements(root, 'script')).toEqual([]);
    expect(elements(root, 'img')).toEqual([]);
  });

  it('keeps a line break from ending a table row', () => {
    expect(escapeMarkdown('a\nb\r\nc')).toBe('a b c');
  });
});
