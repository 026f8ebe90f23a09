// Escaping for GitHub-flavoured Markdown and HTML. Everything a test or the kernel printed is
// untrusted: it must render as the text it is, never as markup, links, HTML or table cells.

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** For text inside raw HTML (e.g. `<summary>`), where Markdown is not interpreted. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

// ASCII punctuation that means something to CommonMark, GFM (tables '|', strikethrough '~',
// autolinks) or GitHub (math '$', emoji ':'). CommonMark lets any ASCII punctuation be
// backslash-escaped, so escaping too much is harmless. One pass, so an entity produced for '<' is
// never escaped again.
const MARKDOWN_SPECIAL = /[&<>"'\\`*_{}[\]()#+\-.!|~=$:@]|\r\n|\r|\n/g;

/**
 * For inline Markdown contexts (headings, list items, table cells): HTML characters as entities,
 * Markdown punctuation backslash-escaped, line breaks turned into spaces (a line break would end a
 * table row or a list item).
 */
export function escapeMarkdown(text: string): string {
  return text.replace(
    MARKDOWN_SPECIAL,
    (c) => HTML_ESCAPES[c] ?? (c.length === 1 && c !== '\n' && c !== '\r' ? `\\${c}` : ' '),
  );
}

/**
 * A fenced code block that no line of `content` can close: the fence is one backtick longer than
 * the longest backtick run anywhere in the content (at least three).
 */
export function codeFence(content: string, info = 'text'): string {
  let longest = 0;
  for (const run of content.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  const body = content.endsWith('\n') ? content : `${content}\n`;
  return `${fence}${info}\n${body}${fence}\n`;
}
