// The one browser script: draws the charts of the page's data with uPlot and drives the top
// failures table. Text goes into the page through textContent only (test names are untrusted).
import uPlot from 'uplot';
import type { FailureEntry, PageData } from '../src/page-data.ts';

const data = (window as unknown as { BPF_CI_DASHBOARD?: PageData }).BPF_CI_DASHBOARD ?? {};

// Okabe-Ito, then darker tones: distinguishable with the common colour-vision deficiencies.
const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#8C6D31',
  '#7F7F7F',
  '#9467BD',
];
const NAMED: Record<string, string> = { success: '#009E73', failure: '#D55E00', cancelled: '#7F7F7F' };

function drawCharts(): void {
  for (const chart of data.charts ?? []) {
    const box = document.querySelector<HTMLElement>(`[data-chart="${CSS.escape(chart.id)}"]`);
    const plot = box?.querySelector<HTMLElement>('.plot');
    if (!box || !plot) continue;
    const opts: uPlot.Options = {
      width: Math.max(300, plot.clientWidth - 4),
      height: 240,
      scales: { x: { time: true } },
      axes: [{}, { label: chart.unit, size: 60 }],
      series: [
        {},
        ...chart.series.map((s, i) => ({
          label: s.label,
          stroke: NAMED[s.label] ?? PALETTE[i % PALETTE.length]!,
          width: 2,
          spanGaps: false,
          points: { show: chart.x.length < 60 },
        })),
      ],
    };
    const u = new uPlot(opts, [chart.x, ...chart.series.map((s) => s.values)] as uPlot.AlignedData, plot);
    box.dataset['series'] = String(u.series.length - 1);
    box.dataset['drawn'] = 'true';
  }
}

type SortKey = keyof FailureEntry;
type Sort = { key: SortKey; descending: boolean };

/** The rows of one window × runner that match the arch and toolchain filters ('' is all), sorted. */
function selectRows(source: FailureEntry[], arch: string, toolchain: string, sort: Sort): FailureEntry[] {
  return source
    .filter((r) => (!arch || r.arch === arch) && (!toolchain || r.toolchain === toolchain))
    .sort((a, b) => {
      const x = a[sort.key];
      const y = b[sort.key];
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return sort.descending ? -c : c;
    });
}

function rowElement(r: FailureEntry): HTMLTableRowElement {
  const tr = document.createElement('tr');
  const a = document.createElement('a');
  a.href = r.page;
  a.textContent = r.test;
  const first = document.createElement('td');
  first.append(a);
  tr.append(first);
  for (const [text, num] of [
    [r.binary, false],
    [r.arch, false],
    [r.toolchain, false],
    [String(r.hits), true],
    [String(r.runs), true],
    [`${r.pctOfRuns.toFixed(1)}%`, true],
  ] as const) {
    const td = document.createElement('td');
    td.textContent = text;
    if (num) td.className = 'num';
    tr.append(td);
  }
  return tr;
}

/** aria-sort on the sorted column's header only. */
function markSorted(table: HTMLElement, sort: Sort): void {
  for (const th of table.querySelectorAll('th')) {
    const key = th.querySelector('button')?.dataset['sort'];
    if (key === sort.key) th.setAttribute('aria-sort', sort.descending ? 'descending' : 'ascending');
    else th.removeAttribute('aria-sort');
  }
}

function failureTable(): void {
  const form = document.getElementById('failure-filters') as HTMLFormElement | null;
  const table = document.getElementById('failures');
  const tables = data.failures;
  if (!form || !table || !tables) return;
  const tbody = table.querySelector('tbody')!;
  const count = document.getElementById('failures-count');
  let sort: Sort = { key: 'hits', descending: true };
  const value = (name: string): string => (form.elements.namedItem(name) as HTMLSelectElement).value;
  const render = (): void => {
    const window = Number(value('window'));
    const runner = value('runner');
    const source = tables.find((t) => t.window === window && t.runner === runner)?.rows ?? [];
    const rows = selectRows(source, value('arch'), value('toolchain'), sort);
    const out = document.createDocumentFragment();
    for (const r of rows) out.append(rowElement(r));
    tbody.replaceChildren(out);
    if (count) count.textContent = `${rows.length} rows`;
    markSorted(table, sort);
  };
  form.addEventListener('change', render);
  for (const button of table.querySelectorAll<HTMLButtonElement>('button[data-sort]')) {
    button.addEventListener('click', () => {
      const key = button.dataset['sort'] as SortKey;
      sort = {
        key,
        descending: sort.key === key ? !sort.descending : typeof tables[0]?.rows[0]?.[key] === 'number',
      };
      render();
    });
  }
}

drawCharts();
failureTable();
// Milliseconds from the start of navigation to every chart drawn (the tests read it).
document.body.dataset['readyMs'] = String(Math.round(performance.now()));
document.body.dataset['ready'] = 'true';
