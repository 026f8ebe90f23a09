// HTML from untrusted text: every value goes through escapeHtml, every link through safeUrl.
import { escapeHtml } from '@bpf-ci/protocol';

/** Only http(s) links leave the site; anything else (javascript:, data:) is not a link. */
export function safeUrl(url: string): string | null {
  return /^https?:\/\//i.test(url) ? url : null;
}

/** Tagged template: interpolated strings are escaped, `raw()` values are not. */
export class Raw {
  readonly html: string;
  constructor(html: string) {
    this.html = html;
  }
}
export const raw = (html: string): Raw => new Raw(html);

type Part = string | number | null | undefined | Raw | readonly Raw[];

export function html(strings: TemplateStringsArray, ...values: Part[]): Raw {
  let out = strings[0]!;
  values.forEach((v, i) => {
    if (v instanceof Raw) out += v.html;
    else if (Array.isArray(v)) out += (v as readonly Raw[]).map((r) => r.html).join('');
    else if (typeof v === 'string' || typeof v === 'number') out += escapeHtml(String(v));
    out += strings[i + 1]!;
  });
  return new Raw(out);
}

export type PageName = 'overview' | 'failures' | 'flaky' | 'infra' | 'test';

const NAV: { page: PageName; file: string; label: string }[] = [
  { page: 'overview', file: 'index.html', label: 'Overview' },
  { page: 'failures', file: 'failures.html', label: 'Top failures' },
  { page: 'flaky', file: 'flaky.html', label: 'Flaky' },
  { page: 'infra', file: 'infra.html', label: 'Infra' },
];

/**
 * A page: one stylesheet, the page's data (a classic script assigning a global: file:// cannot
 * fetch), then the one classic script bundle. `root` is the relative way back to the site's folder.
 */
export function page(options: {
  page: PageName;
  title: string;
  root: string;
  dataScript?: string;
  body: Raw;
  asOf: string | null;
}): string {
  const { root } = options;
  const nav = NAV.map((n) =>
    n.page === options.page
      ? html`<a href="${root}${n.file}" aria-current="page">${n.label}</a>`
      : html`<a href="${root}${n.file}">${n.label}</a>`,
  );
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · BPF CI health</title>
        <link rel="stylesheet" href="${root}assets/style.css" />
      </head>
      <body data-page="${options.page}">
        <header>
          <strong>BPF CI health</strong>
          <nav>${nav}</nav>
          <span class="asof">data as of ${options.asOf ?? 'never (empty history)'}</span>
        </header>
        <main>
          <h1>${options.title}</h1>
          ${options.body}
        </main>
        ${options.dataScript ? html`<script src="${root}${options.dataScript}"></script>` : raw('')}
        <script src="${root}assets/app.js"></script>
      </body>
    </html> `.html;
}
