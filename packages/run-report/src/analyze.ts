// The run's findings across the matrix: every failure once, with the jobs it happened in. Pure.
// Kernel splats rank first (they can break tests that ran after them), then real failures, then
// flaky and quarantined tests, which do not fail the run.
import { checkPatchThreshold, type PatchThresholdCheck } from '@bpf-ci/coverage';
import type { BinaryResult, ConsoleEvent, Counts, Run, TestCase } from '@bpf-ci/model';
import { binaryConclusion, totalCounts } from '@bpf-ci/model';
import { binaryFamily } from '@bpf-ci/parsers';
import { allEvents, assertionHeadline, failedLeaves } from '@bpf-ci/report';
import { attemptOf, type JobReport } from './jobs.ts';
import type { VeristatFinding } from './veristat.ts';

/** The run's (and a job's) verdict: warning when only flaky or quarantined tests failed. */
export type Verdict = 'success' | 'warning' | 'failure';

export type FindingClass = 'splat' | 'failure' | 'flaky' | 'quarantined';
export const CLASS_ORDER: readonly FindingClass[] = ['splat', 'failure', 'flaky', 'quarantined'];

/** The runner family a failure belongs to: the excerpt and the repro command differ by family. */
export type Family = 'test_progs' | 'test_maps' | 'test_verifier' | 'other';

/** What is known about a failing test from outside this run. */
export type Label = 'new' | 'known-flaky' | 'failing-on-base';

/**
 * What the project knows about tests beyond this run: the quarantine file, and a ci-stats
 * database (flaky history, failures on the base branch). Every method is optional; a test no
 * source knows is labelled `new`.
 */
export interface KnownIssues {
  /** The test is quarantined: its failure is reported but does not fail the run. */
  isQuarantined?: (test: string, runner: string) => boolean;
  /** The test is known to fail intermittently. */
  isKnownFlaky?: (test: string, runner: string) => boolean;
  /** The test also fails on the base branch (the series did not break it). */
  failsOnBase?: (test: string, runner: string) => boolean;
}

/** One place a finding happened: a job, the binary and, for tests, the test itself. */
export interface Occurrence {
  job: JobReport;
  binary: string;
  test?: TestCase;
  /** The test a failed subtest belongs to. */
  parent?: TestCase;
  /** For a splat, the event; for a test, the splat is absent. */
  event?: ConsoleEvent;
  /** Set for flaky evidence from an earlier attempt of the job: that attempt's number. */
  failedAttempt?: number;
}

export interface Finding {
  class: FindingClass;
  family: Family;
  /** "test" or "test/subtest" for tests; the splat's title without addresses for splats. */
  key: string;
  occurrences: Occurrence[];
  label: Label;
}

export interface JobSummary {
  job: JobReport;
  verdict: Verdict | 'infra';
  counts?: Counts;
  /** Why the job's results are partial, when they are. */
  partial?: string;
  coverage?: Coverage;
  /** The config's coverage patch-threshold judged on this job's patch coverage, when it has one. */
  patchThreshold?: Exclude<PatchThresholdCheck, { status: 'not-set' }>;
}

export interface Coverage {
  linesCovered: number;
  linesTotal: number;
}

export interface RunAnalysis {
  verdict: Verdict;
  jobs: JobSummary[];
  /** Findings in rank order: splats, failures, flaky, quarantined; within a class by spread. */
  findings: Finding[];
  veristat: VeristatFinding[];
  /** Jobs that produced no results at all. */
  infra: JobReport[];
}

/** A splat's title with addresses, offsets and ids removed, so the same bug on two machines matches. */
export function splatKey(title: string): string {
  return title
    .replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+/gi, '')
    .replace(/\b0x[0-9a-f]+\b/gi, '')
    .replace(/\b(pid|pfn|cpu|CPU|idx|index|mapping)[:=]\s*\S+/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

function familyOf(binary: string): Family {
  const family = binaryFamily(binary);
  return family === 'test_progs' || family === 'test_maps' || family === 'test_verifier' ? family : 'other';
}

function leafKey(test: TestCase, parent?: TestCase): string {
  return parent ? `${parent.name}/${test.name}` : test.name;
}

/** results.json's coverage lines (model CoverageReport: hit of found); ignored when malformed. */
function readCoverage(raw: unknown): Coverage | undefined {
  const cov = (raw as { coverage?: { lines?: { hit?: unknown; found?: unknown } } } | null)?.coverage;
  const covered = cov?.lines?.hit;
  const total = cov?.lines?.found;
  if (typeof covered !== 'number' || typeof total !== 'number' || total <= 0 || covered < 0) return undefined;
  return { linesCovered: covered, linesTotal: total };
}

class FindingSet {
  private readonly byKey = new Map<string, Finding>();
  add(cls: FindingClass, family: Family, key: string, occurrence: Occurrence, label: Label): void {
    const id = JSON.stringify([cls, family, key]);
    const existing = this.byKey.get(id);
    if (existing) existing.occurrences.push(occurrence);
    else this.byKey.set(id, { class: cls, family, key, occurrences: [occurrence], label });
  }
  ranked(): Finding[] {
    return [...this.byKey.values()].sort(
      (a, b) =>
        CLASS_ORDER.indexOf(a.class) - CLASS_ORDER.indexOf(b.class) ||
        b.occurrences.length - a.occurrences.length ||
        a.key.localeCompare(b.key),
    );
  }
}

function labelFor(test: string, runner: string, known: KnownIssues): Label {
  if (known.failsOnBase?.(test, runner)) return 'failing-on-base';
  if (known.isKnownFlaky?.(test, runner) || known.isQuarantined?.(test, runner)) return 'known-flaky';
  return 'new';
}

function binaryFailed(result: BinaryResult): boolean {
  return binaryConclusion(result) !== 'success';
}

export function analyzeRun(
  jobs: readonly JobReport[],
  known: KnownIssues = {},
  veristat: readonly VeristatFinding[] = [],
): RunAnalysis {
  const findings = new FindingSet();
  const summaries: JobSummary[] = [];
  const infra: JobReport[] = [];
  for (const job of jobs) {
    if (job.results) {
      summaries.push(analyzeJob(job, job.results, known, findings));
    } else {
      infra.push(job);
      summaries.push({ job, verdict: 'infra' });
    }
  }
  const ranked = findings.ranked();
  return {
    verdict: runVerdict(summaries, infra, ranked, veristat),
    jobs: summaries,
    findings: ranked,
    veristat: [...veristat],
    infra,
  };
}

/**
 * What made a job red or yellow: a real failure (failed test, splat, crash, incomplete binary) or
 * only soft ones (quarantined failures, flaky tests).
 */
interface Severity {
  real: boolean;
  soft: boolean;
}

/** One job with results: its findings go into `findings`, its verdict and counts are returned. */
function analyzeJob(
  job: JobReport,
  loaded: NonNullable<JobReport['results']>,
  known: KnownIssues,
  findings: FindingSet,
): JobSummary {
  const { run } = loaded;
  const severity: Severity = { real: false, soft: false };
  addSplats(job, run, findings, severity);
  for (const result of run.binaries) addBinaryFindings(job, result, known, findings, severity);
  addEarlierAttempts(job, run, known, findings, severity);
  const incomplete = run.binaries.filter((b) => !b.complete);
  if (incomplete.length > 0 || run.binaries.length === 0) severity.real = true;
  const patchThreshold = checkPatchThreshold(run.coverage?.patch, job.patchThreshold);
  if (patchThreshold.status === 'below') severity.real = true;
  const summary: JobSummary = {
    job,
    verdict: severity.real ? 'failure' : severity.soft ? 'warning' : 'success',
    counts: totalCounts(run.binaries),
  };
  if (run.binaries.length === 0) summary.partial = 'results.json holds no selftest results';
  else if (incomplete.length > 0)
    summary.partial = incomplete.map((b) => b.incompleteDetail ?? `${b.binary} did not complete`).join('; ');
  const coverage = readCoverage(loaded.raw);
  if (coverage) summary.coverage = coverage;
  if (patchThreshold.status !== 'not-set') summary.patchThreshold = patchThreshold;
  return summary;
}

/** Kernel splats: always a real failure. */
function addSplats(job: JobReport, run: Run, findings: FindingSet, severity: Severity): void {
  for (const { event, result } of allEvents(run)) {
    const binary = result?.binary ?? event.binary ?? job.runner;
    findings.add('splat', familyOf(binary), splatKey(event.title), { job, binary, event }, 'new');
    severity.real = true;
  }
}

/** One binary's failed (or quarantined) and flaky tests. */
function addBinaryFindings(
  job: JobReport,
  result: BinaryResult,
  known: KnownIssues,
  findings: FindingSet,
  severity: Severity,
): void {
  const family = familyOf(result.binary);
  const leaves = failingLeaves(result);
  for (const leaf of leaves) {
    const key = leafKey(leaf.test, leaf.parent);
    const quarantined = known.isQuarantined?.(key, result.binary) ?? false;
    const occurrence: Occurrence = { job, binary: result.binary, test: leaf.test };
    if (leaf.parent) occurrence.parent = leaf.parent;
    findings.add(
      quarantined ? 'quarantined' : 'failure',
      family,
      key,
      occurrence,
      labelFor(key, result.binary, known),
    );
    if (quarantined) severity.soft = true;
    else severity.real = true;
  }
  const flaky = flakyLeaves(result.tests);
  // A binary that failed without a failed test (crash before any result, bad exit code); a
  // retried run keeps the first attempt's printed counts, so its flaky tests explain those.
  if (leaves.length === 0 && flaky.length === 0 && binaryFailed(result)) severity.real = true;
  for (const test of flaky) {
    findings.add(
      'flaky',
      family,
      test.key,
      { job, binary: result.binary, test: test.test },
      labelFor(test.key, result.binary, known),
    );
    severity.soft = true;
  }
}

/** Earlier attempts of a job: what failed there and not in the latest attempt is flaky evidence. */
function addEarlierAttempts(
  job: JobReport,
  run: Run,
  known: KnownIssues,
  findings: FindingSet,
  severity: Severity,
): void {
  const latestFailed = new Set(
    run.binaries.flatMap((r) => failingLeaves(r).map((l) => `${r.binary}\0${leafKey(l.test, l.parent)}`)),
  );
  for (const earlier of job.earlier) {
    for (const result of earlier.run.binaries) {
      for (const leaf of failingLeaves(result)) {
        const key = leafKey(leaf.test, leaf.parent);
        if (latestFailed.has(`${result.binary}\0${key}`)) continue;
        const occurrence: Occurrence = { job, binary: result.binary, test: leaf.test };
        if (leaf.parent) occurrence.parent = leaf.parent;
        const attempt = attemptOf(earlier);
        if (attempt !== undefined) occurrence.failedAttempt = attempt;
        findings.add('flaky', familyOf(result.binary), key, occurrence, labelFor(key, result.binary, known));
        severity.soft = true;
      }
    }
  }
}

/** The run's verdict: any red job, job without results or failing veristat change fails it. */
function runVerdict(
  summaries: readonly JobSummary[],
  infra: readonly JobReport[],
  findings: readonly Finding[],
  veristat: readonly VeristatFinding[],
): Verdict {
  const veristatFails = veristat.some((v) => v.level === 'fail');
  const failure =
    infra.length > 0 ||
    veristatFails ||
    summaries.some((s) => s.verdict === 'failure' || s.verdict === 'infra');
  const warning =
    findings.length > 0 || veristat.length > 0 || summaries.some((s) => s.verdict === 'warning');
  return failure ? 'failure' : warning ? 'warning' : 'success';
}

/**
 * The failed tests a reader looks at: failed subtests, and failed tests without a failed subtest
 * (a test_verifier case fails as a whole and in its /u or /p run: the run is the finding).
 */
function failingLeaves(result: BinaryResult): ReturnType<typeof failedLeaves> {
  const leaves = failedLeaves(result);
  return leaves.filter((l) => l.parent !== undefined || !leaves.some((o) => o.parent === l.test));
}

function flakyLeaves(tests: readonly TestCase[]): { key: string; test: TestCase }[] {
  const out: { key: string; test: TestCase }[] = [];
  for (const test of tests) {
    const subs = test.subtests.filter((s) => s.flaky === true);
    for (const sub of subs) out.push({ key: leafKey(sub, test), test: sub });
    if (test.flaky === true && subs.length === 0) out.push({ key: test.name, test });
  }
  return out;
}

/** The first failed assertion's short form, for table rows. */
export function findingHeadline(finding: Finding): string {
  for (const o of finding.occurrences) {
    if (o.event) return o.event.title;
    const test = o.test;
    if (!test) continue;
    const a = test.assertions[0] ?? test.attempts.flatMap((x) => x.assertions)[0];
    if (a) return assertionHeadline(a);
    if (test.reason) return test.reason;
  }
  return '';
}
