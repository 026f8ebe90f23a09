// The run plan: what the guest runs, in which order, with which arguments and time limits. The host
// writes it as plan.json into the output folder (the record of what was asked) and compiles it into
// the guest's init script (guest-init.ts).
import { BPF_RUNNERS } from '@bpf-ci/domain';
import { jsonSummaryBeside } from '@bpf-ci/parsers';
import { z } from 'zod';

export const RunnerKind = z.enum([...BPF_RUNNERS, 'command']);
export type RunnerKind = z.infer<typeof RunnerKind>;

export const RunnerPlan = z.object({
  /** Label and file stem of the runner's outputs (NAME.log, NAME.exit, NAME.json). */
  name: z.string().regex(/^[A-Za-z0-9_.+-]+$/, 'runner names use letters, digits and _.+- only'),
  kind: RunnerKind,
  /** Program and arguments, run in the plan's cwd inside the guest's view of the host root. */
  argv: z.array(z.string()).min(1),
  /** The guest kills the runner after this many seconds. */
  timeoutSec: z.number().int().positive(),
  /** Lists the selected tests without running them (test_progs -l with the same filters). */
  listArgv: z.array(z.string()).min(1).optional(),
  /** Where the runner writes its JSON summary inside the guest (test_progs -J), copied to NAME.json. */
  jsonSummaryPath: z.string().optional(),
  /**
   * Run this as a shell snippet in the guest's own busybox instead of argv in the shared root: for
   * setup and fault injection (tests force a panic with `echo c > /proc/sysrq-trigger`).
   */
  guestShell: z.string().optional(),
  /**
   * Lists every test of the binary, without the allow/deny filters (NAME.known): a deny entry that
   * names none of them removes nothing.
   */
  knownListArgv: z.array(z.string()).optional(),
  /** Each allow/deny entry with the list file it came from, to say which selected nothing. */
  selection: z
    .array(z.object({ list: z.enum(['allow', 'deny']), entry: z.string(), source: z.string() }))
    .optional(),
  /**
   * A shell snippet the guest's busybox runs before each retry of this runner (outside the chroot,
   * like guestShell): for tests that change the guest between attempts.
   */
  beforeRetry: z.string().optional(),
});
export type RunnerPlan = z.infer<typeof RunnerPlan>;

/**
 * Retrying failed tests in the booted VM. After each test_progs or test_verifier runner the guest
 * waits (at most waitSec) for the host's decision: the host parses the runner's log, applies the
 * retry policy (@bpf-ci/flaky) and writes NAME.attempt-K.plan into the output folder. Its fields
 * are that policy's (the host passes them to it as they are) plus the guest's wait.
 */
export const RetrySettings = z.object({
  /** Retries after the first attempt. */
  attempts: z.number().int().min(0).max(5),
  maxFailures: z.number().int().min(0),
  minBudgetSec: z.number().int().min(0),
  failOnFlaky: z.boolean(),
  /** How long the guest waits for the host's retry plan before going on without it. */
  waitSec: z.number().int().positive(),
});
export type RetrySettings = z.infer<typeof RetrySettings>;

export const RunPlan = z.object({
  schemaVersion: z.literal(1),
  /** Working directory of every runner: the selftests directory (host path, shared read-only). */
  cwd: z.string().startsWith('/'),
  runners: z.array(RunnerPlan).min(1),
  retry: RetrySettings.optional(),
  /**
   * The informational DENYLIST pass, run after every runner: the denylisted tests, whose results
   * never change the job's verdict.
   */
  denylistPass: z.object({ runner: RunnerPlan, entries: z.array(z.string()).min(1) }).optional(),
});
export type RunPlan = z.infer<typeof RunPlan>;

/** The files a runner leaves in the output folder. */
export function runnerFiles(name: string): {
  log: string;
  exit: string;
  json: string;
  list: string;
  known: string;
} {
  const log = `${name}.log`;
  return {
    log,
    exit: `${name}.exit`,
    // Beside the log under its stem: how every reader of JSON summaries pairs the two.
    json: jsonSummaryBeside(log),
    list: `${name}.list`,
    known: `${name}.known`,
  };
}

/**
 * The files of retry attempt K (2, 3, ...) of a runner: the host's plan and argv files, the guest's
 * logs. The guest script passes shell variables ("$k", "$j") for the numbers.
 */
export function attemptFiles(
  name: string,
  attempt: number | string,
): { plan: string; exit: string; argv: (j: number | string) => string; log: (j: number | string) => string } {
  const stem = `${name}.attempt-${attempt}`;
  return {
    plan: `${stem}.plan`,
    exit: `${stem}.exit`,
    argv: (j) => `${stem}.${j}.argv`,
    log: (j) => `${stem}.${j}.log`,
  };
}
