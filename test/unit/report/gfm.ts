// Render Markdown with Debian's cmark-gfm (GitHub's own GFM implementation) and inspect the HTML.
// --unsafe and no tagfilter: raw HTML passes through, so any unescaped markup from a test name
// would show up as an element here.
import { execFileSync } from 'node:child_process';
import { parseFragment, serialize } from 'parse5';
import type { DefaultTreeAdapterMap } from 'parse5';

type Node = DefaultTreeAdapterMap['node'];
export type Element = DefaultTreeAdapterMap['element'];

export function renderGfm(markdown: string): string {
  return execFileSync('cmark-gfm', ['--unsafe', '-e', 'table', '-e', 'strikethrough', '-e', 'autolink'], {
    input: markdown,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

export function parseHtml(html: string): DefaultTreeAdapterMap['documentFragment'] {
  return parseFragment(html);
}

function isElement(node: Node): node is Element {
  return 'tagName' in node;
}

export function elements(root: Node, tag?: string): Element[] {
  const out: Element[] = [];
  const visit = (node: Node): void => {
    if (isElement(node) && (tag === undefined || node.tagName === tag)) out.push(node);
    if ('childNodes' in node) for (const child of node.childNodes) visit(child);
    if (isElement(node) && node.tagName === 'template')
      visit((node as DefaultTreeAdapterMap['template']).content);
  };
  visit(root);
  return out;
}

export function text(node: Node): string {
  if ('value' in node && node.nodeName === '#text') return node.value;
  if ('childNodes' in node) return node.childNodes.map(text).join('');
  return '';
}

export { serialize };

/** Every element a rendered summary may contain; anything else came from unescaped input. */
export const ALLOWED_TAGS = new Set([
  'h1',
  'h2',
  'h3',
  'h4',
  'p',
  'strong',
  'em',
  'code',
  'pre',
  'ul',
  'li',
  'blockquote',
  'details',
  'summary',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'br',
  'hr',
  'del',
  'a',
]);

/** The strings an attacker would put in a test name or a log line. */
export const HOSTILE = [
  '::error::injected',
  '::add-mask::secret',
  '::set-output name=x::y',
  '##[error]legacy',
  '%0A::warning::via-escape',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '</details></summary>',
  'a | b || c',
  '``` fence ````',
  '${{ github.token }}',
  '[link](javascript:alert(1))',
  '*bold* _it_ ~~del~~ $x$ :x: @someone',
  '&amp; &lt;',
];
