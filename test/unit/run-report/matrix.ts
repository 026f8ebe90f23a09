// A run matrix of real results: the captured selftest logs in test/fixtures/samples parsed by the
// same loader the result-parser action uses, written as results.json the way each job writes it.
//   setget_sockopt fails on four variants (test_progs x86_64/gcc, x86_64/llvm-18, aarch64/gcc and
//   test_progs-no_alu32 x86_64/gcc); a KASAN splat on test_progs s390x/gcc; a flaky test twice
//   (a retry inside the job, and a job whose first attempt failed); real test_verifier and
//   test_maps failures; test_maps on s390x/gcc never reports (infrastructure failure).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryLogger } from '@bpf-ci/logger';
import { mergeRetry, type Run, type RunContext } from '@bpf-ci/model';
import { loadRun, toResultsJson } from '@bpf-ci/report';
import type { PlannedJob } from '@bpf-ci/run-report';
import { diffRuns, parseConfig, parseCsv, type VeristatDiff } from '@bpf-ci/veristat';

export const SAMPLES = join(import.meta.dirname, '..', '..', 'fixtures', 'samples');
export const sample = (name: string): string => join(SAMPLES, name);

export const SOCKOPT_FAIL = 'test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log';
export const SOCKOPT_PASS = 'test_progs-serial-pass-sockopt-ppc64-2025.log';
export const KASAN_CONSOLE = 'kernel-kasan-uaf-test_progs-sockmap-fragment-2025.log';
export const VERIFIER_FAIL = 'test_verifier-debian6.1-tcg.log';
export const VERIFIER_PASS = 'test_verifier-not-run-single-2019.log';
export const MAPS_FAIL = 'test_maps-fail-kselftest-tap-2021.log';
export const MAPS_PASS = 'test_maps-debian6.1-tcg.log';

export const RUN_URL = 'https://github.com/kernel-patches/bpf/actions/runs/4242';
export const jobUrl = (name: string): string => `${RUN_URL}/job/${encodeURIComponent(name)}`;

interface JobSpec {
  test: string;
  arch: string;
  toolchain: string;
  /** Logs of each attempt (oldest first); a retry inside the job is [[first, retry]]. */
  attempts?: { logs: string[]; console?: string[]; retryOf?: string }[];
}

const JOBS: JobSpec[] = [
  { test: 'test_progs', arch: 'x86_64', toolchain: 'gcc', attempts: [{ logs: [SOCKOPT_FAIL] }] },
  { test: 'test_progs', arch: 'x86_64', toolchain: 'llvm-18', attempts: [{ logs: [SOCKOPT_FAIL] }] },
  { test: 'test_progs', arch: 'aarch64', toolchain: 'gcc', attempts: [{ logs: [SOCKOPT_FAIL] }] },
  {
    test: 'test_progs',
    arch: 's390x',
    toolchain: 'gcc',
    attempts: [{ logs: [SOCKOPT_PASS], console: [KASAN_CONSOLE] }],
  },
  { test: 'test_progs-no_alu32', arch: 'x86_64', toolchain: 'gcc', attempts: [{ logs: [SOCKOPT_FAIL] }] },
  // A retry inside the job: setget_sockopt failed, then passed.
  {
    test: 'test_progs-no_alu32',
    arch: 'aarch64',
    toolchain: 'gcc',
    attempts: [{ logs: [SOCKOPT_FAIL], retryOf: SOCKOPT_PASS }],
  },
  { test: 'test_verifier', arch: 'x86_64', toolchain: 'gcc', attempts: [{ logs: [VERIFIER_FAIL] }] },
  { test: 'test_verifier', arch: 'aarch64', toolchain: 'gcc', attempts: [{ logs: [VERIFIER_PASS] }] },
  // The first attempt of the job failed (sockmap), the re-run passed: flaky evidence.
  {
    test: 'test_maps',
    arch: 'x86_64',
    toolchain: 'gcc',
    attempts: [{ logs: [MAPS_FAIL] }, { logs: [MAPS_PASS] }],
  },
  { test: 'test_maps', arch: 'aarch64', toolchain: 'gcc', attempts: [{ logs: [MAPS_FAIL] }] },
  // Planned, never reported.
  { test: 'test_maps', arch: 's390x', toolchain: 'gcc' },
];

export const PLANNED: PlannedJob[] = JOBS.map((j) => ({
  name: `${j.test} on ${j.arch} with ${j.toolchain}`,
  test: j.test,
  arch: j.arch,
  toolchain: j.toolchain,
}));

async function parseJob(context: RunContext, logs: string[], consoles: string[] = []): Promise<Run> {
  return loadRun({ logs: logs.map(sample), consoleLogs: consoles.map(sample), context }, new MemoryLogger());
}

/** Writes every job's results.json under `dir` (one folder per artifact, as download-artifact does); returns the paths. */
export async function writeMatrix(dir: string, only?: (job: PlannedJob) => boolean): Promise<string[]> {
  const paths: string[] = [];
  for (const spec of JOBS) {
    const planned = PLANNED.find(
      (p) => p.test === spec.test && p.arch === spec.arch && p.toolchain === spec.toolchain,
    )!;
    if (only && !only(planned)) continue;
    for (const [i, attempt] of (spec.attempts ?? []).entries()) {
      const context: RunContext = {
        arch: spec.arch,
        toolchain: spec.toolchain,
        runner: spec.test,
        runId: '4242',
        runAttempt: i + 1,
      };
      const run = await parseJob(context, attempt.logs, attempt.console);
      if (attempt.retryOf) {
        const retry = await parseJob(context, [attempt.retryOf]);
        run.binaries = run.binaries.map((b, k) =>
          retry.binaries[k] ? mergeRetry(b, retry.binaries[k], 'retry 1') : b,
        );
      }
      // The binary name follows the runner (test_progs-no_alu32 prints test_progs' format).
      for (const b of run.binaries) if (spec.test.startsWith(b.binary)) b.binary = spec.test;
      const folder = join(dir, `results-${spec.test}-${spec.arch}-${spec.toolchain}-attempt-${i + 1}`);
      mkdirSync(folder, { recursive: true });
      const path = join(folder, 'results.json');
      writeFileSync(path, toResultsJson(run));
      paths.push(path);
    }
  }
  return paths;
}

/** veristat on the real 2026 captures, with a 3 % duration threshold (the default treats duration as noise). */
export function veristatDiff(): VeristatDiff {
  const config = parseConfig(JSON.stringify({ metrics: { duration: { failPct: 3, minAbs: 0, minPct: 0 } } }));
  return diffRuns(
    parseCsv(readFileSync(sample('veristat-csv-2026-baseline.csv'), 'utf8')),
    parseCsv(readFileSync(sample('veristat-csv-2026-patched.csv'), 'utf8')),
    config,
  );
}

/** The tool's own Summary line of a sample log, as numbers. */
export function printedSummary(name: string): {
  passed: number;
  subtests?: number;
  skipped: number;
  failed: number;
} {
  const text = readFileSync(sample(name), 'utf8');
  const progs = /Summary: (\d+)\/(\d+) PASSED, (\d+) SKIPPED, (\d+) FAILED/.exec(text);
  if (progs) return { passed: +progs[1]!, subtests: +progs[2]!, skipped: +progs[3]!, failed: +progs[4]! };
  const verifier = /Summary: (\d+) PASSED, (\d+) SKIPPED, (\d+) FAILED/.exec(text);
  if (verifier) return { passed: +verifier[1]!, skipped: +verifier[2]!, failed: +verifier[3]! };
  throw new Error(`${name} has no Summary line`);
}
