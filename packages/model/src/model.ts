// The one model of a BPF CI run. Every parser produces it, every renderer and store reads it.
// Defined once as a zod schema: the TypeScript types, the runtime validation of results.json and
// the published JSON schema all come from here.
import { z } from 'zod';

export const SCHEMA_VERSION = 1;

/**
 * A test's verdict. One to one with KCIDB's statuses (see kcidb.ts):
 * pass, fail, skip as the tool said; error when the infrastructure or the kernel broke the run
 * (crash, panic, timeout, QEMU died); miss when a test was expected but never reported (the run
 * stopped before it); done when it ran but gives no verdict (e.g. a veristat collection).
 * Flakiness is not a status here (readers of results.json know these six): a test that failed and
 * then passed is `pass` with `flaky: true`, which the report shows as a state of its own.
 */
export const TestStatus = z.enum(['pass', 'fail', 'skip', 'error', 'miss', 'done']);
export type TestStatus = z.infer<typeof TestStatus>;

export const AssertionKind = z.enum([
  'assert', // ASSERT_* macros: "<tag> unexpected <name>: actual X != expected Y"
  'check', // CHECK(): "<tag> <free format>"
  'check_fail', // CHECK_FAIL / PRINT_FAIL: "<source line> [msg]"
  'sys', // SYS(): the shell command is the tag
  'verifier', // test_verifier / test_loader expectation mismatch
  'other',
]);
export type AssertionKind = z.infer<typeof AssertionKind>;

/** One failed check as the test printed it, split into the parts a reader looks for. */
export const Assertion = z.object({
  kind: AssertionKind,
  /** The C function that ran the macro (not necessarily the test name). */
  func: z.string().optional(),
  /** The assertion's tag (ASSERT_*'s name argument, CHECK's tag, SYS's command). */
  tag: z.string(),
  /** The message after the tag, continuation lines joined with "\n". */
  message: z.string(),
  actual: z.string().optional(),
  expected: z.string().optional(),
  /** The relation as printed (the negated one for ASSERT_LT etc.): "!=", "==", "<", ... */
  relation: z.string().optional(),
  /** Source line number (CHECK_FAIL / PRINT_FAIL / test_maps CHECK). */
  sourceLine: z.number().int().optional(),
  /** 1-based line in the parsed input where the assertion starts. */
  inputLine: z.number().int().optional(),
});
export type Assertion = z.infer<typeof Assertion>;

/** One attempt at running a test (retries keep every attempt). */
export const Attempt = z.object({
  status: TestStatus,
  durationMs: z.number().optional(),
  log: z.array(z.string()),
  assertions: z.array(Assertion),
  /** Where this attempt came from, e.g. "test_progs (retry 1)". */
  source: z.string().optional(),
  /** 1 for the first run, 2 for the first retry, ... */
  attempt: z.number().int().positive().optional(),
});
export type Attempt = z.infer<typeof Attempt>;

/** The quarantine entry that turned a test's failure into a warning (it still ran). */
export const QuarantineMark = z.object({
  /** The entry's selector as written ("test", "test/subtest", globs allowed). */
  selector: z.string(),
  reason: z.string(),
  owner: z.string().optional(),
  link: z.string().optional(),
  /** YYYY-MM-DD: the entry stops quarantining after this day. */
  expires: z.string().optional(),
});
export type QuarantineMark = z.infer<typeof QuarantineMark>;

export const TestCase = z.object({
  /** Number as printed (#N or the subtest index). Changes between builds: never a key. */
  number: z.number().int().optional(),
  /** Test name; for a subtest, the subtest part only (the parent's name is the parent's). */
  name: z.string(),
  status: TestStatus,
  /** True when an earlier attempt failed and a later one passed. */
  flaky: z.boolean().optional(),
  /** test_progs "OK (SKIP: x/y)": skipped and total subtests as printed. */
  skippedSubtests: z.object({ skipped: z.number().int(), total: z.number().int() }).optional(),
  durationMs: z.number().optional(),
  /** The test's own log lines (failure log), in order; untrusted text. */
  log: z.array(z.string()),
  assertions: z.array(Assertion),
  get subtests() {
    return z.array(TestCase);
  },
  /** Every earlier attempt, oldest first; the test's own fields describe the final one. */
  attempts: z.array(Attempt),
  /** Why the status is error/miss/skip, when known ("crashed with signal 11", "kernel panic"). */
  reason: z.string().optional(),
  /** 1-based line of the result line in the parsed input. */
  inputLine: z.number().int().optional(),
  /** Set when a quarantine entry covers this failure: reported as a warning, not gating the job. */
  quarantined: QuarantineMark.optional(),
});
export type TestCase = z.infer<typeof TestCase>;

/**
 * Counts in the shape BPF CI users know from test_progs' Summary line:
 * passed top-level tests / passed subtests, skipped, failed. Runners without subtests leave
 * `passedSubtests` out.
 */
export const Counts = z.object({
  passed: z.number().int(),
  passedSubtests: z.number().int().optional(),
  skipped: z.number().int(),
  failed: z.number().int(),
  /** test_maps "N SKIPPED", "not built" and other extras the tool printed. */
  notBuilt: z.number().int().optional(),
});
export type Counts = z.infer<typeof Counts>;

export const ConsoleEventKind = z.enum([
  'panic',
  'oops',
  'bug',
  'warning',
  'kasan',
  'ubsan',
  'kfence',
  'lockdep',
  'soft-lockup',
  'hard-lockup',
  'rcu-stall',
  'hung-task',
  'oom',
  'bad-page',
]);
export type ConsoleEventKind = z.infer<typeof ConsoleEventKind>;

/** A kernel splat seen on the console, with the test that was running when it appeared. */
export const ConsoleEvent = z.object({
  kind: ConsoleEventKind,
  /** The splat's first line without timestamps ("BUG: KASAN: slab-use-after-free in ..."). */
  title: z.string(),
  /** Every line of the splat as printed (prefixes removed). */
  lines: z.array(z.string()),
  /** The call trace lines only. */
  callTrace: z.array(z.string()),
  /** "test" or "test/subtest" running when the splat appeared, when known. */
  test: z.string().optional(),
  binary: z.string().optional(),
  /** Kernel timestamp in seconds, when the console printed one. */
  timestamp: z.number().optional(),
  inputLine: z.number().int().optional(),
});
export type ConsoleEvent = z.infer<typeof ConsoleEvent>;

export const IncompleteReason = z.enum([
  'no-summary', // output ended without the tool's closing line
  'truncated', // output cut mid-line
  'crash', // the binary crashed (signal)
  'timeout', // a watchdog (ours or the tool's) killed it
  'kernel-panic',
  'vm-failure', // QEMU failed or the guest never came up
  'not-run',
]);
export type IncompleteReason = z.infer<typeof IncompleteReason>;

export const UnmatchedEntry = z.object({
  list: z.enum(['allow', 'deny']),
  entry: z.string(),
  /** The list file it came from, or "command line". */
  source: z.string(),
});
export type UnmatchedEntry = z.infer<typeof UnmatchedEntry>;
/** One retry attempt of a binary: what the guest re-ran and how it ended. */
export const RetryAttempt = z.object({
  /** 2 for the first retry, 3 for the second, ... (1 is the original run). */
  attempt: z.number().int().min(2),
  /** The selectors re-run ("test", "test/subtest", or a test_verifier number). */
  selectors: z.array(z.string()),
  /** The commands as run, one per invocation. */
  commands: z.array(z.string()),
  exitCode: z.number().int().nullable().optional(),
  durationMs: z.number().optional(),
  /** Log files of this attempt in the output folder. */
  logs: z.array(z.string()),
});
export type RetryAttempt = z.infer<typeof RetryAttempt>;

/** What the retry policy decided for a binary, and what its retries did. */
export const RetryRecord = z.object({
  /** Retries the policy allowed (attempts after the first). */
  maxRetries: z.number().int().nonnegative(),
  attempts: z.array(RetryAttempt),
  /** Why nothing (more) was retried: the circuit breaker's or the time budget's reason. */
  notRetried: z.string().optional(),
  /** Subtests whose names test_progs cannot select exactly (`,` or `*`): retried through their parent. */
  viaParent: z.array(z.object({ key: z.string(), parent: z.string(), why: z.string() })),
});
export type RetryRecord = z.infer<typeof RetryRecord>;

export const BinaryResult = z.object({
  /** test_progs, test_progs-no_alu32, test_progs-cpuv4, test_maps, test_verifier, veristat, ... */
  binary: z.string(),
  /** A variant label when the same binary ran twice, e.g. "parallel". */
  variant: z.string().optional(),
  /** The command line that ran, when known. */
  command: z.string().optional(),
  exitCode: z.number().int().nullable().optional(),
  signal: z.string().optional(),
  /** Counts as the tool printed them in its Summary line; absent when it printed none. */
  printedCounts: Counts.optional(),
  /** The tool's own closing line, verbatim ("Summary: 7/40 PASSED, ...", "test_maps: OK, 1 SKIPPED"). */
  summaryLine: z.string().optional(),
  /** Counts computed from the parsed result lines, with the tool's own counting rules. */
  parsedCounts: Counts,
  /** Set when printed and parsed counts disagree: says how. Never hidden. */
  countsMismatch: z.string().optional(),
  /** False when output was truncated, the binary crashed, the VM died or a watchdog fired. */
  complete: z.boolean(),
  incompleteReasons: z.array(IncompleteReason),
  /** Human explanation of why the result is partial, naming the test that was running. */
  incompleteDetail: z.string().optional(),
  durationMs: z.number().optional(),
  tests: z.array(TestCase),
  events: z.array(ConsoleEvent),
  /** Things the parser noticed that a reader should know (bpf_testmod missing, ...). */
  notes: z.array(z.string()),
  /**
   * The top-level tests the runner was to run, recorded before it started (`test_progs -l` with the
   * same allow/deny filters). Every one of them has a verdict in `tests`: `miss` when it never reported.
   */
  selectedTests: z.array(z.string()).optional(),
  /** Allow/deny entries that selected nothing: a typo or a renamed test that tests nothing. */
  unmatchedEntries: z.array(UnmatchedEntry).optional(),
  /** The runner's time limit in seconds (the runner is killed after it). */
  timeoutSec: z.number().optional(),
  /**
   * Present when the retry policy looked at this binary. With it, the verdict comes from each test's
   * final attempt (the Summary line and exit code describe the first attempt only).
   */
  retry: RetryRecord.optional(),
});
export type BinaryResult = z.infer<typeof BinaryResult>;

export const RunContext = z.object({
  arch: z.string().optional(),
  toolchain: z.string().optional(),
  /** The selftest runner name used in job names ("test_progs", "test_progs_parallel", ...). */
  runner: z.string().optional(),
  kernelRelease: z.string().optional(),
  baseCommit: z.string().optional(),
  headCommit: z.string().optional(),
  repository: z.string().optional(),
  job: z.string().optional(),
  runId: z.string().optional(),
  runAttempt: z.number().int().optional(),
  /** kvm or tcg: timing-sensitive tests flake under one and not the other. */
  accelerator: z.string().optional(),
});
export type RunContext = z.infer<typeof RunContext>;

/** What the VM runner saw of the machine: written only by the producer that booted it. */
export const VmAccount = z.object({
  accelerator: z.string().optional(),
  /** How the VM ended when it did not finish the plan: the runner's own words. */
  fault: z.object({ reason: IncompleteReason, detail: z.string() }).optional(),
  /** The command line each runner ran, in plan order. */
  plan: z.array(z.object({ runner: z.string(), command: z.string(), timeoutSec: z.number() })).optional(),
  durationMs: z.number().optional(),
  bootMs: z.number().optional(),
});
export type VmAccount = z.infer<typeof VmAccount>;
/** What the quarantine file did in this run, for the report (entries that did nothing are news). */
export const QuarantineReport = z.object({
  /** The file, as given. */
  file: z.string(),
  /** Entries past their expiry: they quarantined nothing, by name. */
  expired: z.array(z.object({ selector: z.string(), expires: z.string(), owner: z.string().optional() })),
  /** Entries that matched no test of this run's variant. */
  unmatched: z.array(z.string()),
  /** Quarantined tests that crashed or splatted the kernel: never quarantined, reported as such. */
  refused: z.array(z.object({ key: z.string(), selector: z.string(), why: z.string() })),
});
export type QuarantineReport = z.infer<typeof QuarantineReport>;

/** The informational DENYLIST pass: denylisted tests run at the end; never part of the verdict. */
export const DenylistPass = z.object({
  binary: z.string(),
  command: z.string().optional(),
  /** Denylisted tests that passed: candidates to remove from the DENYLIST. */
  passing: z.array(z.string()),
  failing: z.array(z.string()),
  skipped: z.array(z.string()),
  /** Kernel splats while the pass ran. */
  events: z.array(ConsoleEvent),
  complete: z.boolean(),
  /** Why the pass is partial or did not run (time budget, crash). */
  detail: z.string().optional(),
  durationMs: z.number().optional(),
});
export type DenylistPass = z.infer<typeof DenylistPass>;

const CoverageCount = z.object({ found: z.number().int(), hit: z.number().int() });

/** GCOV coverage of the profiled kernel directories over the tests of a run (merged across jobs). */
export const CoverageReport = z.object({
  /** The profiled source directories, e.g. kernel/bpf. */
  directories: z.array(z.string()),
  lines: CoverageCount,
  functions: CoverageCount,
  branches: CoverageCount,
  /** Per source-relative file, most uncovered lines first. */
  files: z.array(
    z.object({
      path: z.string(),
      lines: CoverageCount,
      functions: CoverageCount,
      branches: CoverageCount,
    }),
  ),
  /** The added and changed lines between two commits that had code, covered or not. */
  patch: z
    .object({
      base: z.string(),
      head: z.string(),
      covered: z.number().int(),
      uncovered: z.array(
        z.object({ file: z.string(), line: z.number().int(), function: z.string().optional() }),
      ),
      notBuilt: z.array(z.string()).optional(),
    })
    .optional(),
  /** Why the numbers miss part of the run (a job whose counters were not captured, ...). */
  partial: z.string().optional(),
});
export type CoverageReport = z.infer<typeof CoverageReport>;

export const Run = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  context: RunContext,
  /** Present when the run was booted by bpf-ci's VM runner. */
  vm: VmAccount.optional(),
  binaries: z.array(BinaryResult),
  /** Console events not attributed to one binary (boot, shutdown). */
  events: z.array(ConsoleEvent),
  /** Files the results came from. */
  sources: z.array(z.string()),
  quarantine: QuarantineReport.optional(),
  denylistPass: DenylistPass.optional(),
  coverage: CoverageReport.optional(),
});
export type Run = z.infer<typeof Run>;
