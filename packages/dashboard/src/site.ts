// Writes the static site: one folder, relative links, the data as classic scripts assigning a
// global, one classic script bundle (uPlot inside) and one stylesheet. No server, no CDN.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Logger } from '@bpf-ci/logger';
import { html, page, safeUrl, type Raw } from './html.ts';
import type { Chart, DashboardData, FailureEntry, PageData, TestPage, TestVariantHistory } from './model.ts';

/** The global each data script assigns; the bundle reads it. */
export const DATA_GLOBAL = 'BPF_CI_DASHBOARD';

const CELL_LETTER = { pass: 'P', fail: 'F', flake: 'f', skip: 'S', none: '·' } as const;

/** A data script: JSON is a JavaScript expression; `<` is escaped so no text can end a script. */
export function dataScript(value: unknown): string {
  return `window.${DATA_GLOBAL} = ${JSON.stringify(value).replace(/</g, '\\u003c')};\n`;
}

const link = (url: string | null | undefined, text: string | number): Raw => {
  const safe = url ? safeUrl(url) : null;
  return safe ? html`<a href="${safe}">${text}</a>` : html`${text}`;
};

function chartBox(chart: Chart): Raw {
  return html`<figure class="chart" data-chart="${chart.id}">
    <figcaption>${chart.title} (${chart.unit})</figcaption>
    <div class="plot"></div>
  </figure>`;
}

const pct = (v: number): string => `${v.toFixed(1)}%`;

/** A table's head: one column header per label. */
function columnHeads(labels: readonly string[]): Raw {
  return html`<thead>
    <tr>
      ${labels.map((l) => html`<th scope="col">${l}</th>`)}
    </tr>
  </thead>`;
}

function coverageNote(c: DashboardData['coverage']): Raw {
  const states = Object.entries(c.runResults)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return html`<p class="coverage" id="coverage">
    Synced: <span data-n="runs">${c.runs}</span> runs (${c.firstRun ?? '—'} to ${c.lastRun ?? '—'}),
    <span data-n="jobs">${c.jobs}</span> jobs,
    <span data-n="jobs-with-results">${c.jobsWithResults}</span> with test results;
    <span data-n="runs-without-results">${c.runsWithoutResults}</span> runs whose results artifacts are
    missing, expired or unreadable (${states || 'none'}).
  </p>`;
}

function ratesTable(rates: DashboardData['rates']): Raw {
  const rows: [string, DashboardData['rates']['jobs']][] = [
    ['jobs', rates.jobs],
    ['runs', rates.runs],
  ];
  return html`<table class="summary" id="rates">
    ${columnHeads(['', 'completed', 'success', 'failure', 'cancelled'])}
    <tbody>
      ${rows.map(
        ([label, r]) =>
          html`<tr data-rates="${label}">
            <th scope="row">${label}</th>
            <td>${r.total}</td>
            <td>${pct(r.successPct)}</td>
            <td>${pct(r.failurePct)}</td>
            <td>${pct(r.cancelledPct)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function overview(data: DashboardData): string {
  const c = data.coverage;
  const body = html` ${coverageNote(c)} ${ratesTable(data.rates)}
    <h2>Success, failure and cancellation per week</h2>
    <div class="charts two">${data.rateCharts.map(chartBox)}</div>
    <h2>Job durations per arch × toolchain</h2>
    <div class="charts two">${data.durationCharts.map(chartBox)}</div>
    ${
      data.coverageChart
        ? html`<h2>Kernel coverage (GCOV)</h2>
            <div class="charts">${chartBox(data.coverageChart)}</div>`
        : null
    }`;
  return page({
    page: 'overview',
    title: 'Overview',
    root: '',
    dataScript: 'data/overview.js',
    body,
    asOf: c.dataAsOf,
  });
}

export function failureRow(r: FailureEntry, root = ''): Raw {
  return html`<tr>
    <td><a href="${root}${r.page}">${r.test}</a></td>
    <td>${r.binary}</td>
    <td>${r.arch}</td>
    <td>${r.toolchain}</td>
    <td class="num">${r.hits}</td>
    <td class="num">${r.runs}</td>
    <td class="num">${pct(r.pctOfRuns)}</td>
  </tr>`;
}

/** One filter per column: "all" first, then each value the table holds. */
function selectFilter(label: string, name: string, values: string[]): Raw {
  return html`<label
    >${label}
    <select name="${name}">
      <option value="">all</option>
      ${values.map((v) => html`<option value="${v}">${v}</option>`)}
    </select></label
  >`;
}

/** The failures table's filters: the window, then runner, arch and toolchain. */
function failureFilters(data: DashboardData): Raw {
  const rows = data.failures.flatMap((t) => t.rows);
  const arches = [...new Set(rows.map((r) => r.arch))].sort();
  const toolchains = [...new Set(rows.map((r) => r.toolchain))].sort();
  return html`<form class="filters" id="failure-filters">
    <label
      >Window
      <select name="window">
        ${data.windows.map((w) =>
          w === 0
            ? html`<option value="0" selected>all history</option>`
            : html`<option value="${w}">last ${w} days</option>`,
        )}
      </select></label
    >
    ${selectFilter('Runner', 'runner', data.runners)} ${selectFilter('Arch', 'arch', arches)}
    ${selectFilter('Toolchain', 'toolchain', toolchains)}
  </form>`;
}

/** The failures table's columns: the row field the browser script sorts by, and its label. */
const FAILURE_COLUMNS: [keyof FailureEntry, string][] = [
  ['test', 'test'],
  ['binary', 'binary'],
  ['arch', 'arch'],
  ['toolchain', 'toolchain'],
  ['hits', 'hits (runs)'],
  ['runs', 'runs'],
  ['pctOfRuns', '% of runs'],
];

/** Column heads whose buttons sort the table; the rows arrive sorted by hits, most first. */
function sortableHeads(): Raw {
  return html`<thead>
    <tr>
      ${FAILURE_COLUMNS.map(([key, label]) =>
        key === 'hits'
          ? html`<th scope="col" aria-sort="descending">
              <button type="button" data-sort="${key}">${label}</button>
            </th>`
          : html`<th scope="col"><button type="button" data-sort="${key}">${label}</button></th>`,
      )}
    </tr>
  </thead>`;
}

function failures(data: DashboardData): string {
  const all = data.failures.find((t) => t.window === 0 && t.runner === '')!;
  const body = html` ${failureFilters(data)}
    <table class="sortable" id="failures">
      ${sortableHeads()}
      <tbody>
        ${all.rows.map((r) => failureRow(r))}
      </tbody>
    </table>
    <p class="note" id="failures-count">${all.rows.length} rows</p>`;
  return page({
    page: 'failures',
    title: 'Top failures',
    root: '',
    dataScript: 'data/failures.js',
    body,
    asOf: data.coverage.dataAsOf,
  });
}

/** The quarantine column of a flaky row: the entry (linked) when the file has one for it. */
function quarantineCell(r: DashboardData['flaky'][number]): Raw {
  if (!r.quarantine) return html`<td>—</td>`;
  if (r.quarantine.quarantined)
    return html`<td class="quarantined">
      quarantined: ${link(r.quarantine.link, r.quarantine.reason ?? '')}
    </td>`;
  if (r.quarantine.expired)
    return html`<td>expired entry: ${link(r.quarantine.link, r.quarantine.reason ?? '')}</td>`;
  return html`<td>not quarantined</td>`;
}

function flaky(data: DashboardData): string {
  const body = html` <p class="note">
      Per test × variant over its last 30 observations (at least 10): a flip is a change between fail and
      pass; a flake is a pass that needed a
      retry.${data.quarantineFile ? '' : ' No quarantine file was given.'}
    </p>
    <table id="flaky">
      ${columnHeads([
        'test',
        'binary',
        'variant',
        'flip rate',
        'flips',
        'flakes',
        'fails',
        'observations',
        'quarantine',
      ])}
      <tbody>
        ${data.flaky.map(
          (r) =>
            html`<tr>
              <td><a href="${r.page}">${r.test}</a></td>
              <td>${r.binary}</td>
              <td>${r.arch} ${r.toolchain} ${r.runner} ${r.accelerator}</td>
              <td class="num">${r.flipRate.toFixed(3)}</td>
              <td class="num">${r.flips}</td>
              <td class="num">${r.flakes}</td>
              <td class="num">${r.fails}</td>
              <td class="num">${r.observations}</td>
              ${quarantineCell(r)}
            </tr>`,
        )}
      </tbody>
    </table>`;
  return page({ page: 'flaky', title: 'Flaky tests', root: '', body, asOf: data.coverage.dataAsOf });
}

function infra(data: DashboardData): string {
  const kinds = data.infraChart.series.map((s) => s.label);
  const body = html` <div class="charts">${chartBox(data.infraChart)}</div>
    <table id="infra">
      ${columnHeads(['arch', 'toolchain', 'jobs', ...kinds, 'test failures', 'infra %'])}
      <tbody>
        ${data.infra.map(
          (r) =>
            html`<tr>
              <td>${r.arch}</td>
              <td>${r.toolchain}</td>
              <td class="num">${r.jobs}</td>
              ${kinds.map((k) => html`<td class="num">${r.counts[k as keyof typeof r.counts]}</td>`)}
              <td class="num">${r.counts.test}</td>
              <td class="num">${pct(r.infraPct)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  return page({
    page: 'infra',
    title: 'Infrastructure failures',
    root: '',
    dataScript: 'data/infra.js',
    body,
    asOf: data.coverage.dataAsOf,
  });
}

/** A run of a test's history strip: a coloured letter linking to the job when its URL is safe. */
function stripCell(r: TestVariantHistory['runs'][number]): Raw {
  const label = `${r.cell === 'none' ? 'not run' : r.cell}: run ${r.runId} attempt ${r.attempt}, ${r.createdAt.slice(0, 10)}`;
  const url = safeUrl(r.jobUrl);
  return url
    ? html`<a
        class="cell cell-${r.cell}"
        data-cell="${r.cell}"
        href="${url}"
        title="${label}"
        aria-label="${label}"
        >${CELL_LETTER[r.cell]}</a
      >`
    : html`<span class="cell cell-${r.cell}" data-cell="${r.cell}" title="${label}"
        >${CELL_LETTER[r.cell]}</span
      >`;
}

function runRef(r: { runId: number; attempt: number; url: string; createdAt: string } | null): Raw {
  return r
    ? html`${link(r.url, `run ${r.runId}#${r.attempt}`)} (${r.createdAt.slice(0, 10)})`
    : html`never passed in the history`;
}

function variantHistoryRow(v: TestVariantHistory): Raw {
  return html`<tr data-variant="${v.arch}/${v.toolchain}/${v.runner}/${v.accelerator}">
    <th scope="row">${v.arch} ${v.toolchain} ${v.runner} ${v.accelerator}</th>
    <td class="strip">${v.runs.map(stripCell)}</td>
    <td class="num">${v.flipRate === null ? '—' : v.flipRate.toFixed(3)}</td>
    <td>${v.firstBad ? runRef(v.firstBad) : html`—`}</td>
    <td>${v.firstBad ? runRef(v.lastGood) : html`—`}</td>
  </tr>`;
}

function testPage(t: TestPage, asOf: string | null): string {
  const body = html` <p>binary <code>${t.binary}</code></p>
    <p class="legend">
      <span class="cell cell-pass">P</span> pass <span class="cell cell-fail">F</span> fail
      <span class="cell cell-flake">f</span> flake (passed on retry)
      <span class="cell cell-skip">S</span> skip <span class="cell cell-none">·</span> not run
    </p>
    <table id="history">
      ${columnHeads([
        'variant',
        'last runs (oldest first)',
        'flip rate',
        'first bad (base branch)',
        'last good',
      ])}
      <tbody>
        ${t.variants.map(variantHistoryRow)}
      </tbody>
    </table>
    <h2>Last failure</h2>
    ${
      t.lastFailure
        ? html`<p>${link(t.lastFailure.jobUrl, t.lastFailure.createdAt)}</p>
            <pre class="reason">${t.lastFailure.reason ?? '(no assertion recorded)'}</pre>`
        : html`<p>No failure stored.</p>`
    }`;
  return page({ page: 'test', title: t.test, root: '../', body, asOf });
}

const STYLE = `
:root { --fg: #1a1a1a; --muted: #555; --line: #ccc; --bg: #fff; font-family: system-ui, sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; }
header { display: flex; gap: 1.5rem; align-items: baseline; padding: .6rem 1rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header nav { display: flex; gap: 1rem; }
header nav a[aria-current] { font-weight: bold; text-decoration: none; }
.asof { color: var(--muted); margin-left: auto; }
main { padding: 0 1rem 2rem; max-width: 1400px; }
a { color: #0b57a4; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th button { font: inherit; font-weight: bold; background: none; border: 0; padding: 0; cursor: pointer; color: inherit; text-decoration: underline dotted; }
.charts { display: grid; gap: 1rem; grid-template-columns: 1fr; }
.charts.two { grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); }
/* Fixed heights: the page does not move when the charts draw. */
.chart { margin: 0; height: 380px; overflow: hidden; border: 1px solid var(--line); padding: .5rem; box-sizing: border-box; }
.chart .plot { height: 330px; overflow-y: auto; }
.chart figcaption { font-weight: bold; height: 1.5rem; }
.filters { display: flex; gap: 1rem; flex-wrap: wrap; margin: .5rem 0; }
.note, .coverage { color: var(--muted); }
.strip { white-space: nowrap; }
/* Okabe-Ito colours (distinguishable with colour-vision deficiencies) plus a letter in each cell. */
.cell { display: inline-block; width: 1.1rem; height: 1.3rem; line-height: 1.3rem; margin-right: 1px; text-align: center; font: bold 11px/1.3rem monospace; text-decoration: none; color: #000; }
.cell-pass { background: #8fd3b6; }
.cell-fail { background: #d55e00; color: #fff; }
.cell-flake { background: #e69f00; }
.cell-skip { background: #c8c8c8; }
.cell-none { background: #fff; border: 1px dashed #999; box-sizing: border-box; }
pre.reason { background: #f4f4f4; padding: .5rem; white-space: pre-wrap; }
.quarantined { font-weight: bold; }
`;

function resolvePackageFile(specifier: string): string {
  return createRequire(import.meta.url).resolve(specifier);
}

/** Bundles the browser script (uPlot included) into one minified classic script. */
export async function bundleApp(): Promise<string> {
  const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'client', 'app.ts');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    minify: true,
    target: 'es2020',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  });
  return result.outputFiles[0]!.text;
}

export interface SiteFiles {
  files: number;
  testPages: number;
}

/** Writes the site into `outDir` (replacing what a previous build wrote there). */
export async function writeSite(data: DashboardData, outDir: string, logger: Logger): Promise<SiteFiles> {
  await rm(join(outDir, 'tests'), { recursive: true, force: true });
  await mkdir(join(outDir, 'assets'), { recursive: true });
  await mkdir(join(outDir, 'data'), { recursive: true });
  await mkdir(join(outDir, 'tests'), { recursive: true });
  logger.info('bundling the page script (uPlot included)');
  const uplotCss = await readFile(resolvePackageFile('uplot/dist/uPlot.min.css'), 'utf8');
  const files: [string, string][] = [
    ['assets/app.js', await bundleApp()],
    ['assets/style.css', `${uplotCss}\n${STYLE}`],
    [
      'data/overview.js',
      dataScript({
        charts: [
          ...data.rateCharts,
          ...data.durationCharts,
          ...(data.coverageChart ? [data.coverageChart] : []),
        ],
      } satisfies PageData),
    ],
    ['data/failures.js', dataScript({ failures: data.failures } satisfies PageData)],
    ['data/infra.js', dataScript({ charts: [data.infraChart] } satisfies PageData)],
    ['index.html', overview(data)],
    ['failures.html', failures(data)],
    ['flaky.html', flaky(data)],
    ['infra.html', infra(data)],
  ];
  for (const t of data.tests) files.push([t.file, testPage(t, data.coverage.dataAsOf)]);
  for (const [i, [name, text]] of files.entries()) {
    await writeFile(join(outDir, name), text);
    if ((i + 1) % 100 === 0) logger.info(`wrote ${i + 1}/${files.length} files`);
  }
  logger.info(`wrote ${files.length} files (${data.tests.length} test pages) to ${outDir}`);
  return { files: files.length, testPages: data.tests.length };
}
