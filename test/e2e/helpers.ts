// Shared by the VM e2e tests: the cached kernel + selftests, scratch output folders, and the
// binaries' own Summary lines read straight from their raw logs (independently of the parsers).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDefaultSelftests } from '@bpf-ci/kernel';
import { MemoryLogger } from '@bpf-ci/logger';
import type { RunPlan, VmTestOptions } from '@bpf-ci/vm';

let setup: ReturnType<typeof ensureDefaultSelftests> | undefined;

/** The cached kernel + selftests (global-setup built them); asked once per test file. */
export function defaultSetup(): ReturnType<typeof ensureDefaultSelftests> {
  setup ??= ensureDefaultSelftests(new MemoryLogger());
  return setup;
}

export function scratch(name: string): string {
  return mkdtempSync(join(tmpdir(), `bpf-ci-e2e-${name}-`));
}

/** The counts a runner printed on its last line, read with a regex of our own. */
export function ownSummary(
  logFile: string,
): { passed: number; passedSubtests?: number; skipped: number; failed: number } | undefined {
  const text = readFileSync(logFile, 'utf8');
  const progs = [...text.matchAll(/^Summary: (\d+)\/(\d+) PASSED, (\d+) SKIPPED, (\d+) FAILED$/gm)].at(-1);
  if (progs)
    return { passed: +progs[1]!, passedSubtests: +progs[2]!, skipped: +progs[3]!, failed: +progs[4]! };
  const verifier = [...text.matchAll(/^Summary: (\d+) PASSED, (\d+) SKIPPED, (\d+) FAILED$/gm)].at(-1);
  if (verifier) return { passed: +verifier[1]!, skipped: +verifier[2]!, failed: +verifier[3]! };
  return undefined;
}

/** Wall time of a block, for the durations the e2e reports. */
export async function timed<T>(label: string, body: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await body();
  } finally {
    process.stderr.write(`[e2e timing] ${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
}

/** Options booting the cached Debian x86_64 kernel with `plan`, plus any overrides. */
export function debianVm(
  setup: Awaited<ReturnType<typeof ensureDefaultSelftests>>,
  plan: RunPlan,
  outputDir: string,
  extra: Partial<VmTestOptions> = {},
): VmTestOptions {
  return {
    arch: 'x86_64',
    kernelImage: setup.kernel.vmlinuz,
    modulesDir: setup.kernel.modulesDir,
    plan,
    outputDir,
    ...extra,
  };
}
