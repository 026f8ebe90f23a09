// The coverage report: results.json's coverage field from a tracefile (and optionally a diff),
// and its Markdown for the job summary. Every file name and function name comes from the kernel
// tree under test and is escaped. Pure.
import type { CoverageReport } from '@bpf-ci/model';
import { escapeMarkdown } from '@bpf-ci/protocol';
import type { AddedLines } from './diff.ts';
import {
  fileTable,
  inDirectories,
  percent,
  sourceRelative,
  totals,
  type CoverageCount,
  type LcovFile,
} from './lcov.ts';
import { patchCoverage, patchPercent, uncoveredRanges, type PatchCoverage } from './patch.ts';

export interface CoverageInput {
  files: ReadonlyMap<string, LcovFile>;
  directories: readonly string[];
  sourceDir?: string;
  diff?: { base: string; head: string; added: AddedLines };
  partial?: string;
}

/** The files of the profiled directories, keyed and named by source-relative path. */
function profiledFiles(input: CoverageInput): LcovFile[] {
  return [...input.files.values()]
    .map((f) => ({ ...f, path: sourceRelative(f.path, input.sourceDir) }))
    .filter((f) => inDirectories(f.path, input.directories));
}

export function coverageReport(input: CoverageInput): { report: CoverageReport; patch?: PatchCoverage } {
  const files = profiledFiles(input);
  const sum = totals(files);
  const report: CoverageReport = {
    directories: [...input.directories],
    ...sum,
    files: fileTable(files).map(({ path, lines, functions, branches }) => ({
      path,
      lines,
      functions,
      branches,
    })),
    ...(input.partial ? { partial: input.partial } : {}),
  };
  if (!input.diff) return { report };
  const patch = patchCoverage(new Map(files.map((f) => [f.path, f])), input.diff.added, {
    directories: input.directories,
  });
  report.patch = {
    base: input.diff.base,
    head: input.diff.head,
    covered: patch.covered.length,
    uncovered: patch.uncovered.map((l) => ({
      file: l.file,
      line: l.line,
      ...(l.function ? { function: l.function } : {}),
    })),
    ...(patch.notBuilt.length ? { notBuilt: patch.notBuilt } : {}),
  };
  return { report, patch };
}

const rate = (c: CoverageCount): string => {
  const p = percent(c);
  return p === undefined ? 'no data' : `${p.toFixed(1)} % (${c.hit} of ${c.found})`;
};

export interface RenderOptions {
  /** Rows of the per-file table; the rest are counted. Default 15. */
  maxFiles?: number;
  /** Uncovered added lines listed; the rest are counted. Default 30. */
  maxPatchLines?: number;
}

/** The job summary's coverage section. */
export function renderCoverageMarkdown(
  report: CoverageReport,
  patch: PatchCoverage | undefined,
  options: RenderOptions = {},
): string {
  const maxFiles = options.maxFiles ?? 15;
  const maxPatch = options.maxPatchLines ?? 30;
  const dirs = report.directories.map((d) => `\`${d.replace(/`/g, '')}\``).join(', ');
  const out: string[] = [`### Coverage of ${dirs} (GCOV)`, ''];
  if (report.partial) out.push(`> **Partial:** ${escapeMarkdown(report.partial)}`, '');
  out.push(
    '| | Covered |',
    '|---|---|',
    `| Lines | ${rate(report.lines)} |`,
    `| Functions | ${rate(report.functions)} |`,
    `| Branches | ${rate(report.branches)} |`,
    '',
  );
  if (report.files.length) {
    out.push(
      `<details><summary>${report.files.length} files, most uncovered lines first</summary>`,
      '',
      '| File | Uncovered lines | Lines | Functions | Branches |',
      '|---|--:|--:|--:|--:|',
    );
    const pct = (c: CoverageCount): string => {
      const p = percent(c);
      return p === undefined ? '–' : `${p.toFixed(1)} %`;
    };
    for (const f of report.files.slice(0, maxFiles)) {
      out.push(
        `| ${escapeMarkdown(f.path)} | ${f.lines.found - f.lines.hit} | ${pct(f.lines)} | ${pct(f.functions)} | ${pct(f.branches)} |`,
      );
    }
    if (report.files.length > maxFiles) out.push('', `… and ${report.files.length - maxFiles} more files.`);
    out.push('', '</details>', '');
  }
  if (report.patch && patch) out.push(...renderPatch(report.patch, patch, maxPatch));
  return out.join('\n');
}

function renderPatch(
  summary: NonNullable<CoverageReport['patch']>,
  patch: PatchCoverage,
  max: number,
): string[] {
  const p = patchPercent(patch);
  const total = patch.covered.length + patch.uncovered.length;
  const range = `${escapeMarkdown(summary.base.slice(0, 12))}..${escapeMarkdown(summary.head.slice(0, 12))}`;
  const out = [
    `#### Patch coverage ${range}`,
    '',
    total === 0
      ? 'The change adds no executable line under the profiled directories.'
      : `${p?.toFixed(1)} % of the added and changed executable lines ran in a test: ${patch.covered.length} covered, ${patch.uncovered.length} not.`,
    '',
  ];
  if (patch.uncovered.length) {
    out.push('| Not executed | Function | Lines |', '|---|---|--:|');
    const ranges = uncoveredRanges(patch);
    for (const r of ranges.slice(0, max)) {
      const where = r.startLine === r.endLine ? `${r.startLine}` : `${r.startLine}–${r.endLine}`;
      out.push(
        `| ${escapeMarkdown(r.file)}:${where} | ${r.function ? escapeMarkdown(r.function) : '–'} | ${r.lines} |`,
      );
    }
    if (ranges.length > max) out.push('', `… and ${ranges.length - max} more ranges.`);
    out.push('');
  }
  if (patch.covered.length) {
    const shown = patch.covered.slice(0, max).map((l) => `${escapeMarkdown(l.file)}:${l.line}`);
    out.push(
      `Covered: ${shown.join(', ')}${patch.covered.length > max ? ` … and ${patch.covered.length - max} more` : ''}`,
      '',
    );
  }
  if (patch.notBuilt.length) {
    out.push(
      `Not built into this kernel (no counters): ${patch.notBuilt.map(escapeMarkdown).join(', ')}`,
      '',
    );
  }
  return out;
}
