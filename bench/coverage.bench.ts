// What GCOV of kernel/bpf costs: test_verifier's run time on the small e2e kernel with and without
// GCOV (same config otherwise), alternating, and the two full builds' times. The GCOV kernel is
// the kernel e2e test's build; the kernel without GCOV is a second full build (about 10 minutes on
// 2 cores), made only when BPF_CI_BENCH_PLAIN_KERNEL=1 and kept in the cache afterwards.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildKernel, ensureDefaultSelftests, readStamp } from '@bpf-ci/kernel';
import { MemoryLogger } from '@bpf-ci/logger';
import { buildPlan, runVmTests } from '@bpf-ci/vm';
import { E2E_BUILD_DIR, E2E_DIR, qemuKernelOptions } from '../test/e2e/kernel-e2e-setup.ts';
import type { BenchRow } from './bench.ts';

const PLAIN_DIR = join(E2E_DIR, 'build-x86_64-gcc-plain');
const ROUNDS = 2;

/** The e2e kernel's options without coverage, in another build folder. */
function plainOptions(): ReturnType<typeof qemuKernelOptions> {
  const options = qemuKernelOptions(PLAIN_DIR);
  delete options.coverage;
  return options;
}

async function testVerifierSeconds(image: string, config: string): Promise<number> {
  const logger = new MemoryLogger();
  const selftests = await ensureDefaultSelftests(logger);
  const plan = buildPlan(
    { arch: 'x86_64', selftestsDir: selftests.dir, runners: ['test_verifier'], timeoutSec: 900 },
    logger,
  );
  const outcome = await runVmTests(
    {
      arch: 'x86_64',
      kernelImage: image,
      kernelConfig: config,
      plan,
      outputDir: mkdtempSync(join(tmpdir(), 'bench-coverage-')),
      accelerator: 'tcg',
    },
    logger,
  );
  const verifier = outcome.run.binaries.find((b) => b.binary === 'test_verifier');
  if (!verifier?.durationMs || outcome.fault) {
    throw new Error(
      `test_verifier did not finish on ${image}: ${outcome.fault ? JSON.stringify(outcome.fault) : 'no duration'}`,
    );
  }
  return verifier.durationMs / 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

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
      { name: 'coverage: GCOV vs plain test_verifier', value: 'skipped', unit: '', note: why },
    ];
  }
  process.stderr.write('coverage bench: the kernel without GCOV (full build the first time)\n');
  const plain = await buildKernel(plainOptions(), new MemoryLogger());
  const plainFull = (await readStamp(PLAIN_DIR))?.fullBuild;

  const withGcov: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    without.push(await testVerifierSeconds(plain.image, plain.config));
    withGcov.push(await testVerifierSeconds(gcov.image, gcov.config));
  }
  const cpu = (s: number | undefined): string => (s === undefined ? '' : `, ${s.toFixed(0)} CPU s`);
  const rows: BenchRow[] = [
    {
      name: 'coverage: test_verifier without GCOV (median)',
      value: median(without).toFixed(1),
      unit: 's',
      note: without.map((s) => s.toFixed(1)).join(', '),
    },
    {
      name: 'coverage: test_verifier with GCOV of kernel/bpf (median)',
      value: median(withGcov).toFixed(1),
      unit: 's',
      note: withGcov.map((s) => s.toFixed(1)).join(', '),
    },
    {
      name: 'coverage: test time ratio GCOV / plain',
      value: (median(withGcov) / median(without)).toFixed(2),
      unit: '×',
      note: 'goal ≤ 1.2×',
    },
    {
      name: 'coverage: GCOV kernel full build',
      value: gcovStamp.fullBuild.seconds.toFixed(0),
      unit: 's',
      note: `recorded by the e2e${cpu(gcovStamp.fullBuild.cpuSeconds)}`,
    },
  ];
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
  }
  return rows;
}
