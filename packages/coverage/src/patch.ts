// Patch coverage: of the lines a change added or changed under the profiled directories, which
// ones a test executed. Only lines the compiler made code for count (those with a DA record); a
// profiled file with no record at all was not built into this kernel and is said so. Pure.
import type { Annotation } from '@bpf-ci/protocol';
import type { AddedLines } from './diff.ts';
import { inDirectories, percent, sourceRelative, type LcovFile } from './lcov.ts';

export interface PatchLine {
  /** Source-relative path. */
  file: string;
  line: number;
  hits: number;
  /** The function the line is in (the nearest FN record at or above it), when known. */
  function?: string;
}

export interface PatchCoverage {
  covered: PatchLine[];
  uncovered: PatchLine[];
  /** Added lines with no code of their own (comments, declarations, braces, headers). */
  notExecutable: number;
  /** Changed files under the profiled directories that this kernel did not build with GCOV. */
  notBuilt: string[];
  /** Changed files outside the profiled directories (not measured). */
  outside: string[];
}

function functionAt(file: LcovFile, line: number): string | undefined {
  let best: { name: string; line: number } | undefined;
  for (const fn of file.functions.values()) {
    if (fn.line <= line && (!best || fn.line > best.line)) best = fn;
  }
  return best?.name;
}

export function patchCoverage(
  files: ReadonlyMap<string, LcovFile>,
  added: AddedLines,
  options: { directories: readonly string[]; sourceDir?: string },
): PatchCoverage {
  const byRelative = new Map<string, LcovFile>();
  for (const f of files.values()) byRelative.set(sourceRelative(f.path, options.sourceDir), f);
  const result: PatchCoverage = { covered: [], uncovered: [], notExecutable: 0, notBuilt: [], outside: [] };
  for (const [path, lines] of [...added].sort(([a], [b]) => a.localeCompare(b))) {
    if (!inDirectories(path, options.directories)) {
      result.outside.push(path);
      continue;
    }
    const file = byRelative.get(path);
    if (!file) {
      // Headers and Makefiles have no counters of their own; a .c file without any was not built.
      if (path.endsWith('.c')) result.notBuilt.push(path);
      else result.notExecutable += lines.length;
      continue;
    }
    for (const line of lines) {
      const hits = file.lines.get(line);
      if (hits === undefined) {
        result.notExecutable++;
        continue;
      }
      const fn = functionAt(file, line);
      const entry: PatchLine = { file: path, line, hits, ...(fn ? { function: fn } : {}) };
      (hits > 0 ? result.covered : result.uncovered).push(entry);
    }
  }
  return result;
}

/** Patch coverage in percent (one decimal); undefined when the change added no executable line. */
export function patchPercent(p: PatchCoverage): number | undefined {
  return percent({ hit: p.covered.length, found: p.covered.length + p.uncovered.length });
}

/** Consecutive uncovered lines of one function: one annotation each. */
export interface UncoveredRange {
  file: string;
  function?: string;
  startLine: number;
  endLine: number;
  lines: number;
}

/**
 * Uncovered added lines as ranges of consecutive executable lines within one function, ranked by
 * how many uncovered added lines their function has (the most untested function first).
 */
export function uncoveredRanges(p: PatchCoverage): UncoveredRange[] {
  const perFunction = new Map<string, number>();
  const key = (l: { file: string; function?: string }): string => `${l.file}\0${l.function ?? ''}`;
  for (const l of p.uncovered) perFunction.set(key(l), (perFunction.get(key(l)) ?? 0) + 1);
  const ranges: UncoveredRange[] = [];
  const covered = new Set(p.covered.map((l) => `${l.file}:${l.line}`));
  for (const l of [...p.uncovered].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)) {
    const last = ranges.at(-1);
    // Extend across non-executable lines, never across a covered one or into another function.
    const between = last
      ? Array.from({ length: l.line - last.endLine - 1 }, (_, i) => `${l.file}:${last.endLine + 1 + i}`)
      : [];
    if (
      last &&
      last.file === l.file &&
      last.function === l.function &&
      !between.some((k) => covered.has(k))
    ) {
      last.endLine = l.line;
      last.lines++;
    } else {
      ranges.push({
        file: l.file,
        ...(l.function ? { function: l.function } : {}),
        startLine: l.line,
        endLine: l.line,
        lines: 1,
      });
    }
  }
  return ranges.sort(
    (a, b) =>
      (perFunction.get(key(b)) ?? 0) - (perFunction.get(key(a)) ?? 0) ||
      a.file.localeCompare(b.file) ||
      a.startLine - b.startLine,
  );
}

/**
 * Warning annotations for uncovered added lines, ranked (rank = position) for capAnnotations.
 * The file path goes into a workflow-command property, which the protocol package escapes.
 */
export function uncoveredAnnotations(
  p: PatchCoverage,
): (Annotation & { title: string; file: string; line: number; rank: number })[] {
  return uncoveredRanges(p).map((r, rank) => ({
    level: 'warning',
    title: 'Added lines no test executed',
    file: r.file,
    line: r.startLine,
    ...(r.endLine !== r.startLine ? { endLine: r.endLine } : {}),
    message:
      `${r.lines} added line${r.lines === 1 ? '' : 's'}` +
      `${r.function ? ` in ${r.function}()` : ''} ran in no test of this job (GCOV)`,
    rank,
  }));
}
