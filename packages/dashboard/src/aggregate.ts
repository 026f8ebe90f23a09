// Pure functions from query answers to chart columns and table rows.
import { createHash } from 'node:crypto';
import { isExpired, matchesVariant, selectorMatches, type QuarantineFile, type Variant } from '@bpf-ci/flaky';
import type { CoveragePoint, DurationRow, FlakyRow, RateCounts } from '@bpf-ci/stats';
import type { Chart, QuarantineStatus } from './model.ts';

export const WEEK_SECONDS = 7 * 86400;

/** The file of a test's page: a hash of binary and name, so no untrusted text reaches a path. */
export function testPageFile(binary: string, test: string): string {
  return `tests/${createHash('sha256').update(`${binary}\0${test}`).digest('hex').slice(0, 16)}.html`;
}

/** Counts of one week: the cumulative answer from its Monday minus the one from the next Monday. */
export function weeklyCounts(
  fromStart: Record<string, number>,
  fromNext: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(fromStart)) out[k] = (fromStart[k] ?? 0) - (fromNext[k] ?? 0);
  return out;
}

/** The same difference for job or run conclusion counts (percentages are left to the chart). */
export function weeklyRates(fromStart: RateCounts, fromNext: RateCounts): RateCounts {
  const d = (k: 'total' | 'success' | 'failure' | 'cancelled' | 'other'): number =>
    fromStart[k] - fromNext[k];
  return {
    total: d('total'),
    success: d('success'),
    failure: d('failure'),
    cancelled: d('cancelled'),
    other: d('other'),
    successPct: 0,
    failurePct: 0,
    cancelledPct: 0,
  };
}

const pct = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part * 1000) / whole) / 10;

/** Success / failure / cancelled percentages per week (a week with nothing completed is a gap). */
export function rateChart(id: string, title: string, weeks: number[], counts: RateCounts[]): Chart {
  return {
    id,
    title,
    unit: '%',
    x: weeks,
    series: [
      { label: 'success', values: counts.map((c) => pct(c.success, c.total)) },
      { label: 'failure', values: counts.map((c) => pct(c.failure, c.total)) },
      { label: 'cancelled', values: counts.map((c) => pct(c.cancelled, c.total)) },
    ],
  };
}

const epochOfDay = (day: string): number => Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000);

/** Build jobs have no runner: their series is the arch × toolchain alone. */
const seriesLabel = (r: DurationRow): string => `${r.arch} ${r.toolchain}${r.runner ? ` (${r.runner})` : ''}`;

/**
 * One chart per kind × percentile, one series per arch × toolchain × runner (percentiles of
 * different runners cannot be merged after the fact), in minutes.
 */
export function durationCharts(rows: DurationRow[]): Chart[] {
  const weeks = [...new Set(rows.map((r) => r.week))].sort();
  const weekIndex = new Map(weeks.map((w, i) => [w, i]));
  const charts: Chart[] = [];
  for (const kind of ['build', 'test'] as const) {
    const ofKind = rows.filter((r) => r.kind === kind);
    const labels = [...new Set(ofKind.map(seriesLabel))].sort();
    for (const p of ['p50', 'p90'] as const) {
      const series = labels.map((label) => ({ label, values: weeks.map((): number | null => null) }));
      const byLabel = new Map(series.map((s) => [s.label, s]));
      for (const r of ofKind) {
        const s = byLabel.get(seriesLabel(r))!;
        const seconds = p === 'p50' ? r.p50Seconds : r.p90Seconds;
        s.values[weekIndex.get(r.week)!] = Math.round(seconds / 6) / 10;
      }
      charts.push({
        id: `${kind}-${p}`,
        title: `${kind} job duration ${p}`,
        unit: 'minutes',
        x: weeks.map(epochOfDay),
        series,
      });
    }
  }
  return charts;
}

/** The quarantine entry covering a flaky row, if any (expired entries are shown as such). */
export function quarantineStatus(file: QuarantineFile, row: FlakyRow, today: string): QuarantineStatus {
  const variant: Variant = { arch: row.arch, toolchain: row.toolchain, runner: row.runner };
  if (row.accelerator === 'kvm' || row.accelerator === 'tcg') variant.accelerator = row.accelerator;
  for (const entry of file.quarantine) {
    if (!selectorMatches(entry.test, row.test) || !matchesVariant(variant, entry.variants)) continue;
    const expired = isExpired(entry, today);
    return { quarantined: !expired, expired, reason: entry.reason, link: entry.link };
  }
  return { quarantined: false, expired: false };
}

/**
 * The base branches' GCOV coverage over time: one point per run (x is its creation), a lines,
 * functions and branches series per arch × toolchain × profiled directories; no points, no chart.
 */
export function coverageChart(points: readonly CoveragePoint[]): Chart | undefined {
  if (points.length === 0) return undefined;
  const x = [...new Set(points.map((p) => p.createdAt))].sort((a, b) => a - b);
  const column = new Map(x.map((t, i) => [t, i]));
  const legs = [...new Set(points.map((p) => `${p.arch} ${p.toolchain} ${p.directories}`))].sort();
  const series: Chart['series'] = [];
  for (const leg of legs) {
    for (const metric of ['lines', 'functions', 'branches'] as const) {
      const values: (number | null)[] = x.map(() => null);
      for (const p of points)
        if (`${p.arch} ${p.toolchain} ${p.directories}` === leg)
          values[column.get(p.createdAt)!] = pct(p[metric].hit, p[metric].found);
      series.push({ label: `${metric}, ${leg}`, values });
    }
  }
  return {
    id: 'code-coverage',
    title: "GCOV coverage of the base branches' runs",
    unit: '% covered',
    x,
    series,
  };
}
