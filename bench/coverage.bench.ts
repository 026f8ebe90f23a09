// What GCOV of kernel/bpf costs: the kernel e2e's tests (test_verifier and its test_progs
// allowlist, in one boot) on the small e2e kernel with and without GCOV (same config otherwise),
// the two kernels booted alternately, and the two full builds' times. The GCOV kernel is the
// kernel e2e test's build; the kernel without GCOV is a second full build (about 10 minutes on
// 2 cores), made only when BPF_CI_BENCH_PLAIN_KERNEL=1 and kept in the cache afterwards.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildKernel,
  childCpuSeconds,
  ensureDefaultSelftests,
  readStamp,
  type KernelBuild,
} from '@bpf-ci/kernel';
import { MemoryLogger } from '@bpf-ci/logger';
import type { Counts } from '@bpf-ci/model';
import { buildPlan, runVmTests } from '@bpf-ci/vm';
import {
  BUILT_KERNEL_TESTS,
  E2E_BUILD_DIR,
  E2E_DIR,
  qemuKernelOptions,
} from '../test/e2e/kernel-e2e-setup.ts';
import type { BenchRow } from './bench.ts';

const PLAIN_DIR = join(E2E_DIR, 'build-x86_64-gcc-plain');
const ROUNDS = 2;

/** The e2e kernel's options without coverage, in another build folder. */
export function plainOptions(): ReturnType<typeof qemuKernelOptions> {
  const options = qemuKernelOptions(PLAIN_DIR);
  delete options.coverage;
  return options;
}

/** One boot's figures: each runner's own run time, and the CPU time of everything the boot ran. */
interface BootTimes {
  verifierS: number;
  progsS: number;
  /** QEMU's (and the initramfs tools') user + system CPU seconds: what TCG emulation cost. */
  cpuS?: number;
  /** What each runner printed in its Summary line: both kernels must run the same tests. */
  counts: string;
}

const countsText = (c: Counts | undefined): string =>
  c ? `${c.passed} passed, ${c.skipped} skipped, ${c.failed} failed` : 'no Summary line';

async function bootAndTest(kernel: KernelBuild): Promise<BootTimes> {
  const logger = new MemoryLogger();
  const selftests = await ensureDefaultSelftests(logger);
  const plan = buildPlan(
    {
      arch: 'x86_64',
      selftestsDir: selftests.dir,
      runners: ['test_verifier', 'test_progs'],
      allow: BUILT_KERNEL_TESTS,
      timeoutSec: 900,
    },
    logger,
  );
  const cpuBefore = childCpuSeconds();
  const outcome = await runVmTests(
    {
      arch: 'x86_64',
      kernelImage: kernel.image,
      kernelConfig: kernel.config,
      plan,
      outputDir: mkdtempSync(join(tmpdir(), 'bench-coverage-')),
      accelerator: 'tcg',
    },
    logger,
  );
  const cpuAfter = childCpuSeconds();
  const verifier = outcome.run.binaries.find((b) => b.binary === 'test_verifier');
  const progs = outcome.run.binaries.find((b) => b.binary === 'test_progs');
  if (outcome.fault || !verifier?.durationMs || !progs?.durationMs || outcome.conclusion !== 'success') {
    const why = outcome.fault ? JSON.stringify(outcome.fault) : `conclusion ${outcome.conclusion}`;
    throw new Error(`the tests did not all pass on ${kernel.image} (${why}): see ${outcome.outputDir}`);
  }
  return {
    verifierS: verifier.durationMs / 1000,
    progsS: progs.durationMs / 1000,
    ...(cpuBefore !== undefined && cpuAfter !== undefined ? { cpuS: cpuAfter - cpuBefore } : {}),
    counts: `test_verifier ${countsText(verifier.printedCounts)}; test_progs ${countsText(progs.printedCounts)}`,
  };
}

/** The median; of an even count, the mean of the middle two. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

const seconds = (xs: readonly number[]): string => xs.map((s) => s.toFixed(1)).join(', ');

/** Rows for one measure: its median on each kernel and the ratio of the two medians. */
function compared(what: string, plain: readonly number[], gcov: readonly number[], unit: string): BenchRow[] {
  return [
    {
      name: `coverage: ${what} without GCOV (median)`,
      value: median(plain).toFixed(1),
      unit,
      note: seconds(plain),
    },
    {
      name: `coverage: ${what} with GCOV of kernel/bpf (median)`,
      value: median(gcov).toFixed(1),
      unit,
      note: seconds(gcov),
    },
    {
      name: `coverage: ${what} ratio GCOV / plain`,
      value: (median(gcov) / median(plain)).toFixed(2),
      unit: '×',
      note: 'goal ≤ 1.2×',
    },
  ];
}

export default async function coverageBench(): Promise<BenchRow[]> {
  const gcovStamp = await readStamp(E2E_BUILD_DIR);
  if (!gcovStamp?.fullBuild) {
    const why = `no GCOV kernel e2e build with a full-build record in ${E2E_BUILD_DIR}: run test/e2e/kernel-build.test.ts first`;
    process.stderr.write(`coverage bench skipped: ${why}\n`);
    return [{ name: 'coverage: GCOV vs plain kernel', value: 'skipped', unit: '', note: why }];
  }
  const gcov = await buildKernel(qemuKernelOptions(), new MemoryLogger());
  if (!existsSync(join(PLAIN_DIR, '.config')) && process.env['BPF_CI_BENCH_PLAIN_KERNEL'] !== '1') {
    const why = `no kernel without GCOV in ${PLAIN_DIR}: BPF_CI_BENCH_PLAIN_KERNEL=1 builds it (about 10 minutes)`;
    process.stderr.write(`coverage bench: ${why}\n`);
    return [
      { name: 'coverage: GCOV kernel full build', value: gcovStamp.fullBuild.seconds.toFixed(0), unit: 's' },
      { name: 'coverage: GCOV vs plain tests', value: 'skipped', unit: '', note: why },
    ];
  }
  process.stderr.write('coverage bench: the kernel without GCOV (full build the first time)\n');
  const plain = await buildKernel(plainOptions(), new MemoryLogger());
  const plainFull = (await readStamp(PLAIN_DIR))?.fullBuild;

  const runs: Record<'plain' | 'gcov', BootTimes[]> = { plain: [], gcov: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [label, kernel] of [
      ['plain', plain],
      ['gcov', gcov],
    ] as const) {
      process.stderr.write(`coverage bench: round ${round}/${ROUNDS}, ${label} kernel: booting\n`);
      const times = await bootAndTest(kernel);
      runs[label].push(times);
      const cpu = times.cpuS === undefined ? '' : `, ${times.cpuS.toFixed(0)} CPU s`;
      process.stderr.write(
        `coverage bench: round ${round}/${ROUNDS}, ${label} kernel: test_verifier ${times.verifierS.toFixed(1)} s, ` +
          `test_progs allowlist ${times.progsS.toFixed(1)} s${cpu} (${times.counts})\n`,
      );
    }
  }
  const sameTests = new Set([...runs.plain, ...runs.gcov].map((t) => t.counts));
  if (sameTests.size !== 1)
    throw new Error(`the two kernels did not run the same tests: ${[...sameTests].join(' | ')}`);
  const pick = (label: 'plain' | 'gcov', f: (t: BootTimes) => number | undefined): number[] =>
    runs[label].map(f).filter((x): x is number => x !== undefined);
  const rows: BenchRow[] = [
    ...compared(
      'test_verifier',
      pick('plain', (t) => t.verifierS),
      pick('gcov', (t) => t.verifierS),
      's',
    ),
    ...compared(
      `test_progs allowlist (${BUILT_KERNEL_TESTS.length} tests)`,
      pick('plain', (t) => t.progsS),
      pick('gcov', (t) => t.progsS),
      's',
    ),
    ...compared(
      'test time (both runners)',
      pick('plain', (t) => t.verifierS + t.progsS),
      pick('gcov', (t) => t.verifierS + t.progsS),
      's',
    ),
  ];
  const plainCpu = pick('plain', (t) => t.cpuS);
  const gcovCpu = pick('gcov', (t) => t.cpuS);
  if (plainCpu.length === ROUNDS && gcovCpu.length === ROUNDS)
    rows.push(...compared('boot + tests, QEMU CPU time', plainCpu, gcovCpu, 'CPU s'));
  rows.push({
    name: 'coverage: tests run on each kernel',
    value: ROUNDS,
    unit: 'boots',
    note: [...sameTests][0] ?? '',
  });

  const cpu = (s: number | undefined): string => (s === undefined ? '' : `, ${s.toFixed(0)} CPU s`);
  rows.push({
    name: 'coverage: GCOV kernel full build',
    value: gcovStamp.fullBuild.seconds.toFixed(0),
    unit: 's',
    note: `recorded by the e2e${cpu(gcovStamp.fullBuild.cpuSeconds)}`,
  });
  if (plainFull) {
    rows.push(
      {
        name: 'coverage: plain kernel full build',
        value: plainFull.seconds.toFixed(0),
        unit: 's',
        note: `recorded when first built${cpu(plainFull.cpuSeconds)}`,
      },
      {
        name: 'coverage: full build ratio GCOV / plain (wall)',
        value: (gcovStamp.fullBuild.seconds / plainFull.seconds).toFixed(2),
        unit: '×',
      },
    );
    const gcovCpuBuild = gcovStamp.fullBuild.cpuSeconds;
    if (gcovCpuBuild !== undefined && plainFull.cpuSeconds !== undefined)
      rows.push({
        name: 'coverage: full build ratio GCOV / plain (CPU)',
        value: (gcovCpuBuild / plainFull.cpuSeconds).toFixed(2),
        unit: '×',
        note: 'CPU time depends less on the machine load than wall time',
      });
  }
  return rows;
}
