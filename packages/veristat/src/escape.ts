// The escaping this package needs from @bpf-ci/report (the one escaping module of the repo).
// The renderer takes it as a parameter; `localEscaper` below is the stand-in until
// @bpf-ci/report's escapeMarkdown/escapeHtml/codeFence are merged, then it is deleted and
// `escaper` defaults to `{ escapeMarkdown, escapeHtml, codeFence }` from '@bpf-ci/report'.

export interface MarkdownEscaper {
  /** Text shown literally inside Markdown (a table cell, a list item). */
  escapeMarkdown(text: string): string;
  /** Text inside HTML (`<summary>`), where Markdown is not interpreted. */
  escapeHtml(text: string): string;
  /** A fenced code block that the content cannot close early. */
  codeFence(text: string, language?: string): string;
}

export const localEscaper: MarkdownEscaper = {
  escapeHtml: (text) =>
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;'),
  escapeMarkdown: (text) =>
    localEscaper
      .escapeHtml(text)
      .replace(/([\\`*_{}[\]()#+\-.!|~])/g, '\\$1')
      .replace(/\r?\n/g, ' '),
  codeFence: (text, language = '') => {
    const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
    const fence = '`'.repeat(longest + 1);
    return `${fence}${language}\n${text}\n${fence}`;
  },
};
