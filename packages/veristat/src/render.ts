// The step-summary Markdown of a veristat diff: new failures first (with the verifier log's tail),
// then the largest regressions, the 1M-instruction limit, improvements, added/removed programs.
// Every name is untrusted text and goes through the escaper.
import { codeFence, escapeHtml, escapeMarkdown } from '@bpf-ci/protocol';
import type { Level } from './config.ts';
import { formatDiffCell } from './compare-output.ts';
import { levelRank, type MetricDiff, type ProgramDiff, type VeristatDiff } from './diff.ts';
import { programKey, type ProgramStats } from './run.ts';
import { statById, statLabel } from './stats.ts';
import { logTail, type VerifierLog } from './verifier-log.ts';

export interface RenderOptions {
  /** Heading text, e.g. "veristat (x86_64, llvm)". */
  title?: string;
  /** Verifier logs of the new run, keyed `file/prog` (see parseVerifierLogs). */
  logs?: Map<string, VerifierLog>;
  /** Lines of verifier log shown per new failure. */
  logLines?: number;
  /** New failures shown with their verifier log, at most. */
  maxLogs?: number;
  /** Sections longer than this are folded into <details>. */
  foldAfter?: number;
  /** Rows shown per section at most (the step summary is limited to 1 MiB). */
  maxRows?: number;
  /** Why there is no baseline, when there is none (shown as is, escaped). */
  baselineNote?: string;
}

const LIMIT_IN_BASE = { 'at-limit': 'also at the limit', below: 'below the limit', absent: 'not in base' };

export interface Sections {
  newFailures: ProgramDiff[];
  /** Worst first: level, then the largest percentage, then the largest absolute change. */
  regressions: ProgramDiff[];
  limit: VeristatDiff['insnLimit'];
  /** Fixed verdicts first, then the largest decrease. */
  improvements: ProgramDiff[];
  textChanges: ProgramDiff[];
  added: VeristatDiff['added'];
  removed: VeristatDiff['removed'];
}

/** What the summary lists, in its order; the action's outputs count the same lists. */
export function sections(diff: VeristatDiff): Sections {
  const reported = <T extends { level: Level }>(list: T[]): T[] => list.filter((x) => x.level !== 'ignore');
  return {
    newFailures: diff.programs.filter(
      (p) => p.verdictChange === 'new-failure' && p.verdictLevel !== 'ignore',
    ),
    regressions: diff.programs
      .filter((p) => p.verdictChange !== 'new-failure' && p.metrics.some(isReportedRegression))
      .sort(byWorstRegression),
    limit: reported(diff.insnLimit),
    improvements: diff.programs
      .filter(
        (p) =>
          p.verdictChange === 'fixed' ||
          (p.verdictChange !== 'new-failure' &&
            p.metrics.some((m) => m.change === 'improvement') &&
            !p.metrics.some(isReportedRegression)),
      )
      .sort(byBestImprovement),
    textChanges: diff.programs.filter((p) => p.textChanges.length > 0),
    added: reported(diff.added),
    removed: reported(diff.removed),
  };
}

const ICON: Record<Level, string> = { fail: ':x:', warn: ':warning:', notice: '', ignore: '' };

export function renderMarkdown(diff: VeristatDiff, options: RenderOptions = {}): string {
  const out: string[] = [`### ${escapeMarkdown(options.title ?? 'veristat: base vs new')}`, ''];
  if (diff.baseline === 'missing') {
    out.push(noBaselineText(options.baselineNote), '');
    renderProblems(diff, out);
    return `${out.join('\n')}\n`;
  }

  const { newFailures, regressions, limit, improvements, textChanges, added, removed } = sections(diff);
  out.push(headline(diff, newFailures.length, regressions.length, improvements.length), '');
  out.push(...comparedOn(diff), '');

  const section = sectionWriter(out, options.foldAfter ?? 10, options.maxRows ?? 300);
  section(
    'New verification failures',
    (shown) => diffTable(diff, newFailures.slice(0, shown)),
    newFailures.length,
  );
  out.push(...verifierLogs(newFailures, options));
  section(
    'Regressions, largest first',
    (shown) => diffTable(diff, regressions.slice(0, shown)),
    regressions.length,
  );
  section(
    'At the 1M-instruction limit',
    (shown) =>
      table(
        ['', 'File', 'Program', 'Verdict', 'In base'],
        limit
          .slice(0, shown)
          .map((l) => [ICON[l.level], ...nameCells(l), l.verdict ?? '', LIMIT_IN_BASE[l.base]]),
      ),
    limit.length,
  );
  section(
    'Improvements, largest first',
    (shown) => diffTable(diff, improvements.slice(0, shown)),
    improvements.length,
  );
  section('Other changes', (shown) => textChangesTable(textChanges.slice(0, shown)), textChanges.length);
  section('Programs added', (shown) => oneSideTable(diff, added.slice(0, shown)), added.length);
  section('Programs removed', (shown) => oneSideTable(diff, removed.slice(0, shown)), removed.length);

  out.push(...noiseNote(diff));
  renderProblems(diff, out);
  return `${out.join('\n')}\n`;
}

// Unknown columns are named by the input's header: escaped like any other untrusted text.
const label = (metric: string): string => escapeMarkdown(statLabel(metric));

const nameCells = (p: { file: string; prog: string }): string[] => [
  escapeMarkdown(p.file),
  escapeMarkdown(p.prog),
];

function noBaselineText(baselineNote: string | undefined): string {
  return `**No baseline**: there is no veristat result from the base branch to compare with${
    baselineNote ? ` (${escapeMarkdown(baselineNote)})` : ''
  }. Nothing was compared, and that is not a failure.`;
}

/** What was compared, what fails the check, and what one run only has. */
function comparedOn(diff: VeristatDiff): string[] {
  const out = [
    `Compared ${diff.programs.length} programs present in both runs on: ${[...(diff.verdicts ? ['Verdict'] : []), ...diff.metrics.map(label)].join(', ')}.`,
  ];
  const failsOn = [
    ...(diff.newFailureLevel === 'fail' ? ['a new verification failure'] : []),
    ...diff.metrics.flatMap((m) => {
      const pct = diff.thresholds[m]?.failPct;
      return pct === null || pct === undefined ? [] : [`${label(m)} growing more than ${pct} %`];
    }),
  ];
  out.push(`Fails on: ${failsOn.length > 0 ? failsOn.join(', ') : 'nothing (report only)'}.`);
  if (diff.onlyInBase.length + diff.onlyInNew.length > 0) {
    out.push(
      `Not compared (in one run only): ${[...diff.onlyInBase.map((m) => `${label(m)} (base)`), ...diff.onlyInNew.map((m) => `${label(m)} (new)`)].join(', ')}.`,
    );
  }
  return out;
}

/**
 * A writer of `#### heading (count)` sections into `out`: at most `maxRows` rows, folded in a
 * <details> when longer than `foldAfter`, nothing when empty.
 */
function sectionWriter(
  out: string[],
  foldAfter: number,
  maxRows: number,
): (heading: string, body: (shown: number) => string[], count: number) => void {
  return (heading, body, count) => {
    if (count === 0) return;
    const shown = Math.min(count, maxRows);
    out.push(`#### ${heading} (${count})`, '');
    const lines = body(shown);
    if (count > foldAfter)
      out.push(`<details><summary>Show ${count} programs</summary>`, '', ...lines, '', '</details>');
    else out.push(...lines);
    if (count > shown) out.push('', `… and ${count - shown} more, left out to keep the summary small.`);
    out.push('');
  };
}

/** Programs and the metrics that changed in any of them (unchanged and noise-only columns left out). */
function diffTable(diff: VeristatDiff, rows: ProgramDiff[]): string[] {
  const metrics = diff.metrics.filter((m) =>
    rows.some((p) =>
      p.metrics.some((d) => d.metric === m && d.change !== 'unchanged' && d.change !== 'noise'),
    ),
  );
  const metricCells = (p: ProgramDiff): string[] =>
    metrics.map((m) => {
      const d = p.metrics.find((x) => x.metric === m);
      return d ? metricCell(d) : '';
    });
  return table(
    ['', 'File', 'Program', 'Verdict', ...metrics.map(label)],
    rows.map((p) => [ICON[p.level], ...nameCells(p), verdictCell(p), ...metricCells(p)]),
  );
}

/** The tail of each new failure's verifier log, folded. */
function verifierLogs(newFailures: ProgramDiff[], options: RenderOptions): string[] {
  const out: string[] = [];
  for (const p of newFailures.slice(0, options.maxLogs ?? 20)) {
    const log = options.logs?.get(programKey(p));
    if (!log) continue;
    const tail = logTail(log, options.logLines ?? 40);
    const what =
      tail.omitted > 0
        ? `last ${tail.lines.length} of ${log.lines.length} lines`
        : `${tail.lines.length} lines`;
    out.push(
      `<details><summary>Verifier log of ${escapeHtml(programKey(p))} (${what})</summary>`,
      '',
      codeFence(tail.lines.map((l) => (l.length > 500 ? `${l.slice(0, 500)} …` : l)).join('\n')),
      '',
      '</details>',
      '',
    );
  }
  return out;
}

function textChangesTable(rows: ProgramDiff[]): string[] {
  return table(
    ['File', 'Program', 'Changed'],
    rows.map((p) => [
      ...nameCells(p),
      p.textChanges
        .map((t) => `${label(t.stat)}: ${escapeMarkdown(t.base)} → ${escapeMarkdown(t.next)}`)
        .join('<br>'),
    ]),
  );
}

/** Programs in one run only, with their instruction and state counts. */
function oneSideTable(diff: VeristatDiff, rows: { program: ProgramStats; level: Level }[]): string[] {
  const metrics = diff.metrics.filter((m) => m === 'insns' || m === 'states');
  return table(
    ['', 'File', 'Program', 'Verdict', ...metrics.map(label)],
    rows.map(({ program, level }) => [
      ICON[level],
      ...nameCells(program),
      program.verdict ?? '',
      ...metrics.map((m) => String(program.values[m] ?? '')),
    ]),
  );
}

/** How many changes fell under the noise floor, and the floors. */
function noiseNote(diff: VeristatDiff): string[] {
  const noise = diff.programs.flatMap((p) => p.metrics.filter((m) => m.change === 'noise'));
  if (noise.length === 0) return [];
  const floors = [...new Set(noise.map((m) => m.metric))].map((m) => {
    const t = diff.thresholds[m];
    const unit = statById(m)?.unit;
    return `${label(m)} under ${t?.minAbs ?? 0}${unit ? ` ${unit}` : ''} or under ${t?.minPct ?? 0} %`;
  });
  return [`${noise.length} changes below the noise floor were not counted (${floors.join('; ')}).`, ''];
}

function headline(diff: VeristatDiff, failures: number, regressions: number, improvements: number): string {
  const icon =
    diff.conclusion === 'failure' ? ':x:' : regressions + failures > 0 ? ':warning:' : ':white_check_mark:';
  const parts = [
    `${failures} new verification failure${failures === 1 ? '' : 's'}`,
    `${regressions} regression${regressions === 1 ? '' : 's'}`,
    `${improvements} improvement${improvements === 1 ? '' : 's'}`,
    `${diff.added.length} added`,
    `${diff.removed.length} removed`,
  ];
  const verdict =
    diff.conclusion === 'failure'
      ? '**Fails**: a fail threshold was crossed.'
      : 'No fail threshold was crossed.';
  return `${icon} ${verdict} ${parts.join(', ')}.`;
}

function renderProblems(diff: VeristatDiff, out: string[]): void {
  if (diff.problems.length === 0) return;
  const sides = [diff.incomplete.base ? 'base' : '', diff.incomplete.new ? 'new' : '']
    .filter(Boolean)
    .join(' and ');
  out.push(
    `#### :warning: Input read in part (${sides || 'see below'})`,
    '',
    'These rows or cells could not be read; the programs they belong to were left out of the comparison:',
    '',
    ...diff.problems
      .slice(0, 50)
      .map(
        ({ side, problem }) =>
          `- ${side}${problem.line !== undefined ? ` line ${problem.line}` : ''}: ${escapeMarkdown(problem.message)}`,
      ),
  );
  if (diff.problems.length > 50) out.push(`- … and ${diff.problems.length - 50} more`);
  out.push('');
}

function isReportedRegression(m: MetricDiff): boolean {
  return m.change === 'regression' && m.level !== 'ignore';
}

function worstRegression(p: ProgramDiff): [number, number, number] {
  const r = p.metrics.filter(isReportedRegression);
  return [
    Math.max(0, ...r.map((m) => levelRank(m.level))),
    Math.max(0, ...r.map((m) => m.pct)),
    Math.max(0, ...r.map((m) => m.abs)),
  ];
}

function byWorstRegression(a: ProgramDiff, b: ProgramDiff): number {
  const [x, y] = [worstRegression(a), worstRegression(b)];
  return y[0] - x[0] || y[1] - x[1] || y[2] - x[2] || programKey(a).localeCompare(programKey(b));
}

function byBestImprovement(a: ProgramDiff, b: ProgramDiff): number {
  const best = (p: ProgramDiff): [number, number] => [
    p.verdictChange === 'fixed' ? 1 : 0,
    Math.max(0, ...p.metrics.filter((m) => m.change === 'improvement').map((m) => -m.pct)),
  ];
  const [x, y] = [best(a), best(b)];
  return y[0] - x[0] || y[1] - x[1] || programKey(a).localeCompare(programKey(b));
}

function verdictCell(p: ProgramDiff): string {
  if (p.baseVerdict === p.newVerdict) return p.newVerdict ?? '';
  return `${p.baseVerdict ?? '?'} → **${p.newVerdict ?? '?'}**`;
}

function metricCell(d: MetricDiff): string {
  if (d.change === 'unchanged' || d.change === 'noise') return String(d.next);
  const text = `${d.base} → ${d.next} (${formatDiffCell(d.abs, d.pct).replace(/^\S+ \((.*)\)$/, '$1')})`;
  return d.level === 'fail' || d.level === 'warn' ? `**${text}**` : text;
}

function table(headers: string[], rows: string[][]): string[] {
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}
