// Base run vs new run: every metric both runs have, verdict changes both ways, added/removed
// programs, the 1M-instruction limit; each finding gets a level from the config.
import {
  DEFAULT_CONFIG,
  thresholdFor,
  type Level,
  type ResolvedThreshold,
  type VeristatConfig,
} from './config.ts';
import {
  isAtInsnLimit,
  programKey,
  type ParseProblem,
  type ProgramStats,
  type Verdict,
  type VeristatRun,
} from './run.ts';
import { statById } from './stats.ts';

export type Change = 'regression' | 'improvement' | 'noise' | 'unchanged';

export interface MetricDiff {
  metric: string;
  base: number;
  next: number;
  abs: number;
  /** veristat's percentage: (new - base) / base * 100; ±100 when base is 0, 0 when both are. */
  pct: number;
  change: Change;
  /** For a regression the threshold it crossed; notice for an improvement; ignore otherwise. */
  level: Level;
}

export type VerdictChange = 'match' | 'new-failure' | 'fixed' | 'unknown';

export interface ProgramDiff {
  file: string;
  prog: string;
  baseVerdict?: Verdict;
  newVerdict?: Verdict;
  verdictChange: VerdictChange;
  /** The level the verdict change earned: config.newFailure, notice when fixed. */
  verdictLevel: Level;
  metrics: MetricDiff[];
  /** Text stats that changed (prog_type, attach_type). */
  textChanges: { stat: string; base: string; next: string }[];
  /** At 1000001 instructions in new (the verifier gave up); `alsoInBase` when base was too. */
  insnLimit?: { alsoInBase: boolean; level: Level };
  /** The worst level of anything about this program. */
  level: Level;
}

export interface Finding {
  level: Level;
  message: string;
}

export interface VeristatDiff {
  baseline: 'present' | 'missing';
  /** Programs in both runs, in new's order. */
  programs: ProgramDiff[];
  added: { program: ProgramStats; level: Level }[];
  /** Programs at the 1M-instruction limit in new, whether in both runs or added. */
  insnLimit: {
    file: string;
    prog: string;
    base: 'at-limit' | 'below' | 'absent';
    verdict?: Verdict;
    level: Level;
  }[];
  removed: { program: ProgramStats; level: Level }[];
  /** Metrics compared (in both runs); metrics in one run only are listed, not compared. */
  metrics: string[];
  /** The thresholds applied to each compared metric. */
  thresholds: Record<string, ResolvedThreshold>;
  /** What a new verification failure does (config.newFailure). */
  newFailureLevel: Level;
  /** Both runs have a verdict column (kernel-patches' `-e file,prog,verdict,states` does). */
  verdicts: boolean;
  onlyInBase: string[];
  onlyInNew: string[];
  problems: { side: 'base' | 'new'; problem: ParseProblem }[];
  incomplete: { base: boolean; new: boolean; level: Level };
  /** failure when anything reached level fail; neutral when there was no baseline to compare. */
  conclusion: 'success' | 'failure' | 'neutral';
  /** One line per reason the conclusion is failure. */
  failReasons: string[];
}

const RANK: Record<Level, number> = { fail: 3, warn: 2, notice: 1, ignore: 0 };

export function worst(levels: Level[]): Level {
  return levels.reduce<Level>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ignore');
}

export function levelRank(level: Level): number {
  return RANK[level];
}

/**
 * A percentage as veristat prints it (`%+.2lf%%`). C's printf rounds an exact tie to even
 * (5/32 = 15.625 % prints as 15.62 %), JavaScript's toFixed rounds it up; we follow C.
 */
export function formatPct(pct: number): string {
  const sign = pct < 0 || Object.is(pct, -0) ? '-' : '+';
  const abs = Math.abs(pct);
  // toFixed rounds the exact binary value, as C does; they differ only on exact ties, which in
  // binary are multiples of 1/8 whose third decimal is 5 (k/8 with k odd: .125, .375, ...).
  const scaled = abs * 100;
  const exactTie = Number.isInteger(abs * 8) && !Number.isInteger(scaled);
  if (!exactTie) return `${sign}${abs.toFixed(2)}%`;
  const even = Math.floor(scaled) % 2 === 0 ? Math.floor(scaled) : Math.ceil(scaled);
  return `${sign}${(even / 100).toFixed(2)}%`;
}

/** veristat's percentage (tools/testing/selftests/bpf/veristat.c, `-C` mode), kept identical so our numbers match `-C` output. */
export function percentChange(base: number, next: number): number {
  if (base === 0) return next === 0 ? 0 : next > 0 ? 100 : -100;
  return ((next - base) / base) * 100;
}

function metricsOf(run: VeristatRun): string[] {
  const numeric = new Set<string>();
  for (const p of run.programs) for (const k of Object.keys(p.values)) numeric.add(k);
  return run.columns.filter((c) => numeric.has(c));
}

function textStatsOf(run: VeristatRun): string[] {
  return run.columns.filter((c) => statById(c)?.kind === 'text');
}

/** The diff when there is no baseline: nothing to compare, said plainly, not a failure. */
export function noBaseline(next: VeristatRun): VeristatDiff {
  return {
    baseline: 'missing',
    programs: [],
    added: [],
    insnLimit: [],
    removed: [],
    metrics: [],
    thresholds: {},
    newFailureLevel: 'ignore',
    verdicts: false,
    onlyInBase: [],
    onlyInNew: metricsOf(next),
    problems: next.problems.map((problem) => ({ side: 'new', problem })),
    incomplete: { base: false, new: !next.complete, level: 'ignore' },
    conclusion: 'neutral',
    failReasons: [],
  };
}

export function diffRuns(
  base: VeristatRun,
  next: VeristatRun,
  config: VeristatConfig = DEFAULT_CONFIG,
): VeristatDiff {
  const baseMetrics = metricsOf(base);
  const newMetrics = metricsOf(next);
  const metrics = newMetrics.filter((m) => baseMetrics.includes(m));
  const thresholds = new Map(metrics.map((m) => [m, thresholdFor(config, m)]));
  const textStats = textStatsOf(next).filter((s) => textStatsOf(base).includes(s));
  const baseByKey = new Map(base.programs.map((p) => [programKey(p), p]));
  const newKeys = new Set<string>();

  const programs: ProgramDiff[] = [];
  const added: VeristatDiff['added'] = [];
  for (const n of next.programs) {
    const key = programKey(n);
    newKeys.add(key);
    const b = baseByKey.get(key);
    if (!b) {
      // The 1M-instruction limit of an added program is reported in insnLimit, not here.
      added.push({ program: n, level: n.verdict === 'failure' ? config.addedFailure : config.addedProgram });
      continue;
    }
    programs.push(diffProgram(b, n, metrics, thresholds, textStats, config));
  }
  const removed = base.programs
    .filter((p) => !newKeys.has(programKey(p)))
    .map((program) => ({ program, level: config.removedProgram }));

  const incomplete = {
    base: !base.complete,
    new: !next.complete,
    level: base.complete && next.complete ? ('ignore' as const) : config.incompleteInput,
  };
  const insnLimit: VeristatDiff['insnLimit'] = [];
  for (const p of programs) {
    if (p.insnLimit) {
      const base = p.insnLimit.alsoInBase ? 'at-limit' : 'below';
      insnLimit.push({
        file: p.file,
        prog: p.prog,
        base,
        level: p.insnLimit.level,
        ...verdictOf(p.newVerdict),
      });
    }
  }
  for (const { program } of added) {
    if (isAtInsnLimit(program)) {
      const { file, prog } = program;
      insnLimit.push({ file, prog, base: 'absent', level: config.insnLimit, ...verdictOf(program.verdict) });
    }
  }
  const diff: VeristatDiff = {
    baseline: 'present',
    programs,
    added,
    insnLimit,
    removed,
    metrics,
    thresholds: Object.fromEntries(thresholds),
    newFailureLevel: config.newFailure,
    verdicts: base.columns.includes('verdict') && next.columns.includes('verdict'),
    onlyInBase: baseMetrics.filter((m) => !newMetrics.includes(m)),
    onlyInNew: newMetrics.filter((m) => !baseMetrics.includes(m)),
    problems: [
      ...base.problems.map((problem) => ({ side: 'base' as const, problem })),
      ...next.problems.map((problem) => ({ side: 'new' as const, problem })),
    ],
    incomplete,
    conclusion: 'success',
    failReasons: [],
  };
  diff.failReasons = failReasons(diff);
  diff.conclusion = diff.failReasons.length > 0 ? 'failure' : 'success';
  return diff;
}

function diffProgram(
  b: ProgramStats,
  n: ProgramStats,
  metrics: string[],
  thresholds: Map<string, ReturnType<typeof thresholdFor>>,
  textStats: string[],
  config: VeristatConfig,
): ProgramDiff {
  const verdictChange: VerdictChange =
    b.verdict === undefined || n.verdict === undefined
      ? 'unknown'
      : b.verdict === n.verdict
        ? 'match'
        : n.verdict === 'failure'
          ? 'new-failure'
          : 'fixed';
  const verdictLevel: Level =
    verdictChange === 'new-failure' ? config.newFailure : verdictChange === 'fixed' ? 'notice' : 'ignore';
  const diff: ProgramDiff = {
    file: n.file,
    prog: n.prog,
    verdictChange,
    verdictLevel,
    metrics: [],
    textChanges: [],
    level: 'ignore',
  };
  if (b.verdict) diff.baseVerdict = b.verdict;
  if (n.verdict) diff.newVerdict = n.verdict;
  for (const metric of metrics) {
    const before = b.values[metric];
    const after = n.values[metric];
    const t = thresholds.get(metric);
    if (before === undefined || after === undefined || !t) continue;
    const abs = after - before;
    const pct = percentChange(before, after);
    let change: Change = 'unchanged';
    let level: Level = 'ignore';
    if (abs !== 0) {
      if (Math.abs(abs) < t.minAbs || Math.abs(pct) < t.minPct) change = 'noise';
      else if (abs < 0) [change, level] = ['improvement', 'notice'];
      else {
        change = 'regression';
        level =
          t.failPct !== null && pct > t.failPct
            ? 'fail'
            : t.warnPct !== null && pct > t.warnPct
              ? 'warn'
              : 'notice';
      }
    }
    diff.metrics.push({ metric, base: before, next: after, abs, pct, change, level });
  }
  for (const stat of textStats) {
    const before = b.text[stat];
    const after = n.text[stat];
    if (before !== undefined && after !== undefined && before !== after) {
      diff.textChanges.push({ stat, base: before, next: after });
    }
  }
  const levels = [verdictLevel, ...diff.metrics.map((m) => m.level)];
  if (diff.textChanges.length > 0) levels.push('notice');
  if (isAtInsnLimit(n)) {
    const alsoInBase = isAtInsnLimit(b);
    diff.insnLimit = { alsoInBase, level: alsoInBase ? 'notice' : config.insnLimit };
    levels.push(diff.insnLimit.level);
  }
  diff.level = worst(levels);
  return diff;
}

function verdictOf(verdict: Verdict | undefined): { verdict?: Verdict } {
  return verdict ? { verdict } : {};
}

function failReasons(diff: VeristatDiff): string[] {
  const reasons: string[] = [];
  for (const p of diff.programs) {
    const key = programKey(p);
    if (p.verdictLevel === 'fail')
      reasons.push(`${key}: verification now fails (it succeeded in the base run)`);
    for (const m of p.metrics) {
      if (m.level === 'fail') {
        reasons.push(`${key}: ${m.metric} ${m.base} → ${m.next} (${formatPct(m.pct)})`);
      }
    }
  }
  for (const l of diff.insnLimit) {
    if (l.level === 'fail' && l.base !== 'at-limit')
      reasons.push(`${programKey(l)}: reaches the 1M-instruction limit`);
  }
  for (const a of diff.added) {
    if (a.level === 'fail')
      reasons.push(`${programKey(a.program)}: added (${a.program.verdict ?? 'no verdict'})`);
  }
  for (const r of diff.removed) if (r.level === 'fail') reasons.push(`${programKey(r.program)}: removed`);
  if (diff.incomplete.level === 'fail') reasons.push('an input could only be read in part');
  return reasons;
}
