// Readable tables for the questions. Cells from the history (test names, branches) are untrusted:
// control characters are shown escaped and "::" is broken so no cell can read as a workflow command.
import type {
  DurationRow,
  FirstBadRow,
  FlakyRow,
  InfraRow,
  OnBaseRow,
  RatesAnswer,
  TopFailureRow,
  Cell,
} from './queries.ts';
import type { Database } from './db.ts';
import { FAILURE_KINDS, durations, flaky, infra, rates, topFailures } from './queries.ts';

export function safeCell(text: string): string {
  return text
    .replace(
      // eslint-disable-next-line no-control-regex
      /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
    .replaceAll('::', ':\u200b:');
}

export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [
    header,
    ...rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US') : safeCell(c)))),
  ];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')}`.trimEnd();
  return (
    [line(cells[0]!), `  ${widths.map((w) => '-'.repeat(w)).join('-|-')}`, ...cells.slice(1).map(line)].join(
      '\n',
    ) + '\n'
  );
}

const pct = (n: number): string => `${n.toFixed(1)}%`;
const mins = (s: number): string => `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
const variant = (r: { arch: string; toolchain: string; runner: string; accelerator: string }): string[] => [
  r.arch,
  r.toolchain,
  r.runner,
  r.accelerator || '-',
];

export function renderDurations(rows: DurationRow[]): string {
  if (rows.length === 0) return 'no finished build or test jobs match\n';
  return table(
    ['week', 'kind', 'arch', 'toolchain', 'runner', 'jobs', 'p50', 'p90'],
    rows.map((r) => [
      r.week,
      r.kind,
      r.arch,
      r.toolchain,
      r.runner || '-',
      r.jobs,
      mins(r.p50Seconds),
      mins(r.p90Seconds),
    ]),
  );
}

export function renderRates(a: RatesAnswer): string {
  const row = (label: string[], c: RatesAnswer['runs']): (string | number)[] => [
    ...label,
    c.total,
    pct(c.successPct),
    pct(c.failurePct),
    pct(c.cancelledPct),
  ];
  return (
    'jobs (every attempt):\n' +
    table(
      ['arch', 'toolchain', 'jobs', 'success', 'failure', 'cancelled'],
      [...a.jobs.map((j) => row([j.arch, j.toolchain], j)), row(['all', ''], a.jobsTotal)],
    ) +
    '\njobs vs whole runs:\n' +
    table(
      ['', 'count', 'success', 'failure', 'cancelled'],
      [row(['jobs'], a.jobsTotal), row(['runs'], a.runs)],
    )
  );
}

export function renderTopFailures(rows: TopFailureRow[]): string {
  if (rows.length === 0) return 'no test failures match\n';
  return (
    rows
      .map((r) =>
        safeCell(
          `${r.number ? `${r.number} ` : ''}${r.test} | ${r.arch} | ${r.toolchain} | ${r.hits} (${pct(r.pctOfRuns)})`,
        ),
      )
      .join('\n') + '\n'
  );
}

const CELL: Record<Cell, string> = { pass: 'P', fail: 'F', flake: '~', skip: 's' };

export function renderFlaky(rows: FlakyRow[]): string {
  if (rows.length === 0) return 'no test flips between pass and fail in the observations that match\n';
  return table(
    [
      'test',
      'arch',
      'toolchain',
      'runner',
      'obs',
      'flips',
      'flip rate',
      'retry passes',
      're-run passes',
      'last runs (P pass, F fail, ~ flake)',
    ],
    rows.map((r) => [
      r.test,
      r.arch,
      r.toolchain,
      r.runner,
      r.observations,
      r.flips,
      r.flipRate.toFixed(3),
      r.flakes,
      r.passedOnRerun,
      r.cells.map((c) => CELL[c]).join(''),
    ]),
  );
}

export function renderInfra(rows: InfraRow[]): string {
  if (rows.length === 0) return 'no completed jobs match\n';
  return table(
    ['arch', 'toolchain', 'jobs', ...FAILURE_KINDS, 'infra'],
    rows.map((r) => [
      r.arch,
      r.toolchain,
      r.jobs,
      ...FAILURE_KINDS.map((k) => r.counts[k]),
      `${r.infra} (${pct(r.infraPct)})`,
    ]),
  );
}

export function renderFirstBad(test: string, rows: FirstBadRow[]): string {
  if (rows.length === 0) return `${safeCell(test)}: no failure on the base branch in the runs that match\n`;
  return table(
    ['arch', 'toolchain', 'runner', 'accel', 'last good', 'first bad', 'still failing', 'failures'],
    rows.map((r) => [
      ...variant(r),
      r.lastGood
        ? `run ${r.lastGood.runId} ${r.lastGood.commit.slice(0, 12)} ${r.lastGood.createdAt.slice(0, 16)}`
        : 'never passed',
      `run ${r.firstBad.runId} ${r.firstBad.commit.slice(0, 12)} ${r.firstBad.createdAt.slice(0, 16)}`,
      r.stillFailing ? 'yes' : 'no',
      `${r.failures}/${r.observations}`,
    ]),
  );
}

export function renderOnBase(test: string, rows: OnBaseRow[]): string {
  if (rows.length === 0) return `${safeCell(test)}: not run on the base branch in the runs that match\n`;
  return table(
    ['arch', 'toolchain', 'runner', 'accel', 'on base', 'failures', 'latest base run', 'last failure'],
    rows.map((r) => [
      ...variant(r),
      r.alsoFailingOnBase ? 'also failing on base' : 'passing on base',
      `${r.failures}/${r.observations}`,
      `run ${r.latest.runId} ${r.latest.cell}`,
      r.lastFailure ? `run ${r.lastFailure.runId} ${r.lastFailure.commit.slice(0, 12)}` : '-',
    ]),
  );
}

export const SUMMARY_QUESTIONS = ['rates', 'top-failures', 'infra', 'flaky', 'durations'] as const;
export type SummaryQuestion = (typeof SUMMARY_QUESTIONS)[number];

/** A fence longer than any run of backticks in the text, so no cell can close it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}${fence}\n`;
}

/** The chosen questions' tables as Markdown for a step summary (each in a code block). */
export async function answerForSummary(
  db: Database,
  questions: SummaryQuestion[],
  repository: string,
): Promise<string> {
  const parts = [`## BPF CI stats: ${escapeMarkdownText(repository)}\n`];
  for (const q of questions) {
    let text: string;
    if (q === 'rates') text = renderRates(await rates(db, {}));
    else if (q === 'top-failures') text = renderTopFailures(await topFailures(db, {}, 20));
    else if (q === 'infra') text = renderInfra(await infra(db, {}));
    else if (q === 'flaky') text = renderFlaky(await flaky(db, {}, { limit: 20 }));
    else
      text = renderDurations(await durations(db, { since: Math.floor(Date.now() / 1000) - 8 * 7 * 86400 }));
    parts.push(`### ${q}\n\n${fenced(text)}`);
  }
  return parts.join('\n');
}

function escapeMarkdownText(text: string): string {
  return safeCell(text).replace(/[\\`*_{}[\]()#+\-.!|<>&]/g, (c) => `\\${c}`);
}
