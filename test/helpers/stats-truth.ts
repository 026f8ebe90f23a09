// The answers to the stats questions computed straight from a generated history (what the
// generator made, not what the store kept), to check the store and its queries against.
import type { CoverageReport } from '@bpf-ci/model';
import type { CoveragePoint, Filters, GenJob, GenRun, History, TestOutcome, TestRef } from '@bpf-ci/stats';
import { coverageTotals, weekStart } from '@bpf-ci/stats';

/** A small matrix with every kind of history the questions tell apart (broken and flaky tests). */
export const SMALL_MATRIX = {
  arches: ['x86_64', 'aarch64'],
  toolchains: ['gcc', 'llvm-18'],
  runners: ['test_progs', 'test_maps'],
  testsPerRunner: 8,
  broken: 3,
  flaky: 3,
};

export const visible = (run: GenRun, job: GenJob): boolean =>
  (run.artifacts === 'bundle' || run.artifacts === 'per-job') && job.results !== undefined;
const accelerator = (run: GenRun, job: GenJob): string =>
  visible(run, job) ? (job.arch === 'x86_64' ? 'kvm' : 'tcg') : '';

function matches(run: GenRun, job: GenJob, f: Filters): boolean {
  return (
    (f.arch === undefined || job.arch === f.arch) &&
    (f.toolchain === undefined || job.toolchain === f.toolchain) &&
    (f.runner === undefined || job.runner === f.runner) &&
    (f.branch === undefined || run.baseRef === f.branch) &&
    (f.since === undefined || run.createdAt >= Math.floor(f.since / 86400) * 86400)
  );
}

function* jobs(h: History, f: Filters): Generator<[GenRun, GenJob]> {
  for (const run of h.runs) for (const job of run.jobs) if (matches(run, job, f)) yield [run, job];
}

const pct = (a: number, b: number): number => (b === 0 ? 0 : Math.round((a * 1000) / b) / 10);

export function expectedRates(h: History, f: Filters) {
  const by = new Map<
    string,
    { arch: string; toolchain: string; total: number; success: number; failure: number; cancelled: number }
  >();
  const runIds = new Set<number>();
  for (const [run, job] of jobs(h, f)) {
    runIds.add(run.id);
    const key = `${job.arch} ${job.toolchain}`;
    const c = by.get(key) ?? {
      arch: job.arch,
      toolchain: job.toolchain,
      total: 0,
      success: 0,
      failure: 0,
      cancelled: 0,
    };
    c.total++;
    if (job.conclusion === 'success' || job.conclusion === 'failure' || job.conclusion === 'cancelled')
      c[job.conclusion]++;
    by.set(key, c);
  }
  const runs = { total: 0, success: 0, failure: 0, cancelled: 0 };
  for (const run of h.runs)
    if (runIds.has(run.id)) {
      runs.total++;
      runs[run.conclusion]++;
    }
  return {
    jobs: [...by.values()].sort(
      (a, b) => a.arch.localeCompare(b.arch) || a.toolchain.localeCompare(b.toolchain),
    ),
    runs,
  };
}

export function expectedDurations(h: History, f: Filters) {
  const groups = new Map<
    string,
    { week: number; kind: string; arch: string; toolchain: string; runner: string; values: number[] }
  >();
  for (const [, job] of jobs(h, f)) {
    if (job.conclusion !== 'success' && job.conclusion !== 'failure') continue;
    const week = weekStart(job.startedAt);
    const key = [week, job.kind, job.arch, job.toolchain, job.runner].join(' ');
    const g = groups.get(key) ?? {
      week,
      kind: job.kind,
      arch: job.arch,
      toolchain: job.toolchain,
      runner: job.runner,
      values: [],
    };
    g.values.push(job.completedAt - job.startedAt);
    groups.set(key, g);
  }
  const rank = (sorted: number[], p: number): number => sorted[Math.ceil((p * sorted.length) / 100) - 1]!;
  return [...groups.values()]
    .map((g) => {
      const s = g.values.sort((a, b) => a - b);
      return {
        week: new Date(g.week * 1000).toISOString().slice(0, 10),
        kind: g.kind,
        arch: g.arch,
        toolchain: g.toolchain,
        runner: g.runner,
        jobs: s.length,
        p50Seconds: rank(s, 50),
        p90Seconds: rank(s, 90),
      };
    })
    .sort(
      (a, b) =>
        a.week.localeCompare(b.week) ||
        a.kind.localeCompare(b.kind) ||
        a.arch.localeCompare(b.arch) ||
        a.toolchain.localeCompare(b.toolchain) ||
        a.runner.localeCompare(b.runner),
    );
}

export function expectedTopFailures(h: History, f: Filters) {
  const hits = new Map<string, { ref: TestRef; arch: string; toolchain: string; runs: Set<number> }>();
  const denominators = new Map<string, Set<number>>();
  for (const [run, job] of jobs(h, f)) {
    if (!visible(run, job)) continue;
    const at = `${job.arch}\0${job.toolchain}`;
    denominators.set(at, (denominators.get(at) ?? new Set()).add(run.id));
    for (const e of job.results!.exceptions) {
      if (e.status !== 'fail' && e.status !== 'error') continue;
      const key = `${e.binary}\0${e.name}\0${at}`;
      const entry = hits.get(key) ?? { ref: e, arch: job.arch, toolchain: job.toolchain, runs: new Set() };
      entry.runs.add(run.id);
      hits.set(key, entry);
    }
  }
  return [...hits.values()]
    .map((e) => {
      const runs = denominators.get(`${e.arch}\0${e.toolchain}`)!.size;
      return {
        number: `#${e.ref.number}`,
        binary: e.ref.binary,
        test: e.ref.name,
        arch: e.arch,
        toolchain: e.toolchain,
        hits: e.runs.size,
        runs,
        pctOfRuns: pct(e.runs.size, runs),
      };
    })
    .sort(
      (a, b) =>
        b.hits - a.hits ||
        a.test.localeCompare(b.test) ||
        a.binary.localeCompare(b.binary) ||
        a.arch.localeCompare(b.arch) ||
        a.toolchain.localeCompare(b.toolchain),
    );
}

export function expectedInfra(h: History, f: Filters) {
  const by = new Map<
    string,
    { arch: string; toolchain: string; jobs: number; counts: Record<string, number> }
  >();
  for (const [, job] of jobs(h, f)) {
    const key = `${job.arch} ${job.toolchain}`;
    const row = by.get(key) ?? { arch: job.arch, toolchain: job.toolchain, jobs: 0, counts: {} };
    row.jobs++;
    if (job.failureKind) row.counts[job.failureKind] = (row.counts[job.failureKind] ?? 0) + 1;
    by.set(key, row);
  }
  return [...by.values()];
}

type Cell = 'pass' | 'fail' | 'flake' | 'skip';
export function cellOf(job: GenJob, test: { binary: string; name: string }): Cell | undefined {
  const r = job.results!;
  if (!r.reported.some((t) => t.binary === test.binary && t.name === test.name)) return undefined;
  const e: TestOutcome | undefined = r.exceptions.find(
    (t) => t.binary === test.binary && t.name === test.name,
  );
  if (e) return e.status === 'pass' ? (e.flaky ? 'flake' : 'pass') : e.status === 'skip' ? 'skip' : 'fail';
  return r.skipped.some((t) => t.binary === test.binary && t.name === test.name) ? 'skip' : 'pass';
}

export interface Obs {
  run: GenRun;
  job: GenJob;
  cell: Cell;
}

/** Base-branch observations of a test (by name, any binary) per variant key "arch toolchain runner accel". */
export function baseObservations(h: History, f: Filters, name: string): Map<string, Obs[]> {
  const out = new Map<string, Obs[]>();
  const sorted = [...jobs(h, f)]
    .filter(([run, job]) => run.onBase && visible(run, job))
    .sort(([ra, ja], [rb, jb]) => ra.createdAt - rb.createdAt || ra.id - rb.id || ja.attempt - jb.attempt);
  for (const [run, job] of sorted) {
    const cells = job.results!.reported.filter((t) => t.name === name).map((t) => cellOf(job, t)!);
    if (cells.length === 0) continue;
    const cell = cells.includes('fail') ? 'fail' : cells[0]!;
    if (cell === 'skip') continue;
    const key = `${job.arch} ${job.toolchain} ${job.runner} ${accelerator(run, job)}`;
    out.set(key, [...(out.get(key) ?? []), { run, job, cell }]);
  }
  return out;
}

export function expectedFirstBad(h: History, f: Filters, name: string) {
  const out: {
    variant: string;
    lastGood: number | null;
    firstBad: number;
    stillFailing: boolean;
    failures: number;
    observations: number;
  }[] = [];
  for (const [variant, obs] of baseObservations(h, f, name)) {
    let lastGood: Obs | null = null;
    let firstBad: Obs | null = null;
    for (let i = 0; i < obs.length; i++) {
      if (obs[i]!.cell === 'fail' && (i === 0 || obs[i - 1]!.cell !== 'fail')) {
        firstBad = obs[i]!;
        lastGood = i > 0 ? obs[i - 1]! : null;
      }
    }
    if (!firstBad) continue;
    out.push({
      variant,
      lastGood: lastGood?.run.id ?? null,
      firstBad: firstBad.run.id,
      stillFailing: obs.at(-1)!.cell === 'fail',
      failures: obs.filter((o) => o.cell === 'fail').length,
      observations: obs.length,
    });
  }
  return out.sort((a, b) => a.variant.localeCompare(b.variant));
}

export function expectedFlaky(h: History, f: Filters, last: number, minSample: number) {
  const byVariant = new Map<string, [GenRun, GenJob][]>();
  for (const [run, job] of jobs(h, f)) {
    if (!visible(run, job)) continue;
    const key = `${job.arch} ${job.toolchain} ${job.runner} ${accelerator(run, job)}`;
    byVariant.set(key, [...(byVariant.get(key) ?? []), [run, job]]);
  }
  const rows: {
    variant: string;
    binary: string;
    test: string;
    observations: number;
    fails: number;
    flips: number;
    flakes: number;
    passedOnRerun: number;
    cells: Cell[];
  }[] = [];
  for (const [variant, list] of byVariant) {
    const window = list
      .sort(([ra, ja], [rb, jb]) => ra.createdAt - rb.createdAt || ra.id - rb.id || ja.attempt - jb.attempt)
      .slice(-last);
    const candidates = new Map<string, TestRef>();
    for (const [, job] of window)
      for (const e of job.results!.exceptions)
        if (e.status !== 'pass' || e.flaky) candidates.set(`${e.binary}\0${e.name}`, e);
    for (const test of candidates.values()) {
      const seq = window
        .map(([run, job]) => ({ run, cell: cellOf(job, test) }))
        .filter((s) => s.cell !== undefined && s.cell !== 'skip');
      if (seq.length < minSample) continue;
      let flips = 0;
      for (let i = 1; i < seq.length; i++)
        if ((seq[i]!.cell === 'fail') !== (seq[i - 1]!.cell === 'fail')) flips++;
      const flakes = seq.filter((s) => s.cell === 'flake').length;
      if (flips === 0 && flakes === 0) continue;
      const rerun = new Set<number>();
      const failed = new Set<number>();
      for (const s of seq) {
        if (s.cell === 'fail') failed.add(s.run.id);
        else if (failed.has(s.run.id)) rerun.add(s.run.id);
      }
      rows.push({
        variant,
        binary: test.binary,
        test: test.name,
        observations: seq.length,
        fails: seq.filter((s) => s.cell === 'fail').length,
        flips,
        flakes,
        passedOnRerun: rerun.size,
        cells: seq.map((s) => s.cell!),
      });
    }
  }
  return rows;
}

/**
 * The GCOV coverage a generated job's results.json carries: the x86_64 gcc test_progs jobs play
 * the coverage job, their numbers a function of the run and attempt so every point is known.
 */
export function coverageOf(job: GenJob): CoverageReport | undefined {
  if (!job.results || job.arch !== 'x86_64' || job.toolchain !== 'gcc' || job.runner !== 'test_progs')
    return undefined;
  const lines = { hit: 20000 + (job.runId % 97) * 10 + job.attempt, found: 30000 };
  return {
    directories: ['kernel/bpf'],
    lines,
    functions: { hit: 1500 + (job.runId % 13), found: 2000 },
    branches: { hit: 9000 + (job.runId % 31), found: 20000 },
    files: [
      {
        path: 'kernel/bpf/verifier.c',
        lines,
        functions: { hit: 1, found: 1 },
        branches: { hit: 0, found: 0 },
      },
    ],
  };
}

/** coverageTrend's answer from the history: base-branch runs, the latest attempt per leg. */
export function expectedCoverageTrend(h: History): CoveragePoint[] {
  const latest = new Map<string, CoveragePoint>();
  const runs = [...h.runs].sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
  for (const run of runs) {
    if (!run.onBase) continue;
    for (const job of [...run.jobs].sort((a, b) => a.attempt - b.attempt)) {
      const report = coverageOf(job);
      if (!report || !visible(run, job)) continue;
      const point = {
        runId: run.id,
        createdAt: run.createdAt,
        arch: job.arch,
        toolchain: job.toolchain,
        ...coverageTotals(report),
      };
      latest.set(`${run.id}\0${job.arch}\0${job.toolchain}`, point);
    }
  }
  return [...latest.values()];
}
