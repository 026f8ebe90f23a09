// LCOV tracefiles (geninfo's output, `lcov -a`'s input): records per source file of line (DA),
// function (FN, FNDA) and branch (BRDA) counters. Totals are counted from those records the way
// `lcov --summary` counts them, not taken from the LF/LH summary lines, which a merge can leave
// stale. Format: https://manpages.debian.org/bookworm/lcov/geninfo.1.en.html#FILES
// Pure.

export interface LcovFunction {
  name: string;
  /** Line of the function's definition. */
  line: number;
  hits: number;
}

export interface LcovFile {
  /** The path as the tracefile names it (SF:). */
  path: string;
  /** Executable line -> execution count. */
  lines: Map<number, number>;
  /** By name, in the order the tracefile lists them. */
  functions: Map<string, LcovFunction>;
  /** "line,block,branch" -> times taken (0 for "-", never evaluated). */
  branches: Map<string, number>;
}

export interface CoverageCount {
  found: number;
  hit: number;
}

export interface CoverageTotals {
  lines: CoverageCount;
  functions: CoverageCount;
  branches: CoverageCount;
}

const count = (text: string | undefined): number => {
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : 0;
};

/**
 * The tracefile's records by source path; records of the same path (several tests, several
 * captures) are added up like `lcov -a` does. Throws on a record outside SF:...end_of_record, with
 * its line number, since a truncated or foreign file must not pass as "0 % covered".
 */
export function parseLcov(text: string): Map<string, LcovFile> {
  const files = new Map<string, LcovFile>();
  let current: LcovFile | undefined;
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('TN:') || line.startsWith('#')) continue;
    if (line.startsWith('SF:')) {
      const path = line.slice(3);
      current = files.get(path) ?? { path, lines: new Map(), functions: new Map(), branches: new Map() };
      files.set(path, current);
      continue;
    }
    if (line === 'end_of_record') {
      current = undefined;
      continue;
    }
    const colon = line.indexOf(':');
    const tag = colon > 0 ? line.slice(0, colon) : line;
    const fields = line.slice(colon + 1).split(',');
    if (!current) throw new Error(`LCOV line ${index + 1}: ${tag} record outside SF: ... end_of_record`);
    switch (tag) {
      case 'DA': {
        const at = Number(fields[0]);
        if (!Number.isInteger(at)) throw new Error(`LCOV line ${index + 1}: bad DA record`);
        current.lines.set(at, (current.lines.get(at) ?? 0) + count(fields[1]));
        break;
      }
      case 'FN': {
        // FN:<line>,<name> (a C function name has no comma).
        const name = fields.slice(1).join(',');
        if (!current.functions.has(name))
          current.functions.set(name, { name, line: Number(fields[0]), hits: 0 });
        break;
      }
      case 'FNDA': {
        const name = fields.slice(1).join(',');
        const fn = current.functions.get(name) ?? { name, line: 0, hits: 0 };
        fn.hits += count(fields[0]);
        current.functions.set(name, fn);
        break;
      }
      case 'BRDA': {
        const key = fields.slice(0, 3).join(',');
        current.branches.set(
          key,
          (current.branches.get(key) ?? 0) + (fields[3] === '-' ? 0 : count(fields[3])),
        );
        break;
      }
      default:
        // LF, LH, FNF, FNH, BRF, BRH (recounted) and tags of newer lcov versions.
        break;
    }
  }
  if (current) throw new Error(`LCOV: the record of ${current.path} has no end_of_record (truncated file?)`);
  return files;
}

export function fileTotals(file: LcovFile): CoverageTotals {
  const hitOf = (values: Iterable<number>): CoverageCount => {
    let found = 0;
    let hit = 0;
    for (const v of values) {
      found++;
      if (v > 0) hit++;
    }
    return { found, hit };
  };
  return {
    lines: hitOf(file.lines.values()),
    functions: hitOf([...file.functions.values()].map((f) => f.hits)),
    branches: hitOf(file.branches.values()),
  };
}

export function addTotals(a: CoverageTotals, b: CoverageTotals): CoverageTotals {
  const add = (x: CoverageCount, y: CoverageCount): CoverageCount => ({
    found: x.found + y.found,
    hit: x.hit + y.hit,
  });
  return {
    lines: add(a.lines, b.lines),
    functions: add(a.functions, b.functions),
    branches: add(a.branches, b.branches),
  };
}

export const NO_COVERAGE: CoverageTotals = {
  lines: { found: 0, hit: 0 },
  functions: { found: 0, hit: 0 },
  branches: { found: 0, hit: 0 },
};

export function totals(files: Iterable<LcovFile>): CoverageTotals {
  let sum = NO_COVERAGE;
  for (const f of files) sum = addTotals(sum, fileTotals(f));
  return sum;
}

/** Percent with one decimal, as lcov prints it; undefined when nothing was found. */
export function percent(c: CoverageCount): number | undefined {
  return c.found === 0 ? undefined : Math.round((1000 * c.hit) / c.found) / 10;
}

/**
 * `path` relative to the kernel source tree: geninfo writes absolute paths; reports, diffs and
 * merged tracefiles use kernel/bpf/verifier.c.
 */
export function sourceRelative(path: string, sourceDir: string | undefined): string {
  if (!sourceDir) return path;
  const prefix = sourceDir.endsWith('/') ? sourceDir : `${sourceDir}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/**
 * Whether a source-relative path is in one of `directories` or below, as `lcov --extract 'DIR/*'`
 * selects (the profiled objects are those of the directory itself; below it are its headers).
 */
export function inDirectories(path: string, directories: readonly string[]): boolean {
  return directories.some((d) => path.startsWith(`${d.replace(/\/+$/, '')}/`));
}

export interface FileCoverage extends CoverageTotals {
  path: string;
  uncoveredLines: number;
}

/** One row per file, most uncovered lines first (then by path): where tests are missing most. */
export function fileTable(files: Iterable<LcovFile>): FileCoverage[] {
  return [...files]
    .map((f) => {
      const t = fileTotals(f);
      return { path: f.path, ...t, uncoveredLines: t.lines.found - t.lines.hit };
    })
    .sort((a, b) => b.uncoveredLines - a.uncoveredLines || a.path.localeCompare(b.path));
}

/**
 * The tracefile with every SF path under `sourceDir` made source-relative, and nothing else
 * changed: tracefiles of jobs on different machines then merge, and genhtml run in a source tree
 * finds the files.
 */
export function relativizeTracefile(text: string, sourceDir: string): string {
  return text.replace(/^SF:(.*)$/gm, (_, path: string) => `SF:${sourceRelative(path, sourceDir)}`);
}
