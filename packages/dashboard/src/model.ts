// The pre-aggregated data a dashboard page loads: everything a chart or table shows, computed once
// when the site is built so the browser never sees the database.
import type { Cell, FirstBadRow, FlakyRow, InfraRow, RateCounts } from '@bpf-ci/stats';
import type { Chart, FailureTable } from './page-data.ts';

export type * from './page-data.ts';

export interface Coverage {
  runs: number;
  jobs: number;
  jobsWithResults: number;
  /** Runs per source of their test outcomes (bundle, per-job, missing, expired, invalid, ...). */
  runResults: Record<string, number>;
  /** Runs whose results artifacts were missing, expired, invalid or of a newer schema. */
  runsWithoutResults: number;
  firstRun: string | null;
  lastRun: string | null;
  /** The newest update any stored run has: what "data as of" means. */
  dataAsOf: string | null;
}

export type StripCell = Cell | 'none';

export interface StripRun {
  cell: StripCell;
  runId: number;
  attempt: number;
  jobUrl: string;
  createdAt: string;
}

export interface TestVariantHistory {
  arch: string;
  toolchain: string;
  runner: string;
  accelerator: string;
  /** Oldest first. */
  runs: StripRun[];
  flipRate: number | null;
  firstBad: FirstBadRow['firstBad'] | null;
  lastGood: FirstBadRow['lastGood'];
}

export interface TestPage {
  /** The page's file name under tests/ (a hash: test names are untrusted). */
  file: string;
  binary: string;
  test: string;
  variants: TestVariantHistory[];
  lastFailure: { reason: string | null; jobUrl: string; createdAt: string } | null;
}

export interface QuarantineStatus {
  quarantined: boolean;
  expired: boolean;
  reason?: string;
  link?: string;
}

export type FlakyEntry = FlakyRow & { page: string; quarantine: QuarantineStatus | null };

export interface DashboardData {
  generatedAt: string;
  coverage: Coverage;
  rates: { jobs: RateCounts; runs: RateCounts };
  rateCharts: Chart[];
  durationCharts: Chart[];
  /** The kernel's GCOV coverage per base-branch run, when the store has any. */
  coverageChart?: Chart;
  failures: FailureTable[];
  windows: number[];
  runners: string[];
  flaky: FlakyEntry[];
  quarantineFile: boolean;
  infra: InfraRow[];
  infraChart: Chart;
  tests: TestPage[];
}
