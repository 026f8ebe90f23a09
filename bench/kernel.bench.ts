// Incremental kernel rebuild after touching one file, against the full build of the same kernel.
// Reuses the kernel e2e test's build folder (a full build costs tens of minutes on 2 cores): run
// `npm run test:e2e -- test/e2e/kernel-build.test.ts` first; without it this bench says so and skips.
import { existsSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryLogger } from '@bpf-ci/logger';
import { buildKernel, readStamp } from '@bpf-ci/kernel';
import { E2E_BUILD_DIR, E2E_TREE, qemuKernelOptions } from '../test/e2e/kernel-e2e-setup.ts';
import type { BenchRow } from './bench.ts';

/** A file every BPF-enabled config compiles; touching it recompiles one object and relinks. */
const TOUCHED = join('kernel', 'bpf', 'verifier.c');

export default async function kernelBench(): Promise<BenchRow[]> {
  const stamp = await readStamp(E2E_BUILD_DIR);
  // An unfinished last build is fine (the e2e ends on its compile-error case): the first rebuild
  // below finishes it, and only the second one is timed against the full build.
  const why = !stamp
    ? `no kernel e2e build in ${E2E_BUILD_DIR}: run the kernel e2e test first`
    : !stamp.fullBuild
      ? `the build record in ${E2E_BUILD_DIR} has no full-build time (made by an older bpf-ci): delete the folder and rerun the kernel e2e test`
      : !existsSync(join(E2E_TREE, TOUCHED))
        ? `${join(E2E_TREE, TOUCHED)} is missing`
        : undefined;
  if (why || !stamp?.fullBuild) {
    process.stderr.write(`kernel bench skipped: ${why}\n`);
    return [{ name: 'kernel: incremental vs full build', value: 'skipped', unit: '', note: why ?? '' }];
  }
  const full = stamp.fullBuild;

  if (!stamp.complete) {
    const finish = await buildKernel(qemuKernelOptions(), new MemoryLogger());
    if (!finish.incremental) throw new Error(`expected an incremental build, got: ${finish.reason}`);
  }
  // Baseline for make's own walk over the tree: a rebuild with nothing changed.
  const noop = await buildKernel(qemuKernelOptions(), new MemoryLogger());
  if (!noop.incremental) throw new Error(`expected an incremental build, got: ${noop.reason}`);

  const now = new Date();
  utimesSync(join(E2E_TREE, TOUCHED), now, now);
  const touched = await buildKernel(qemuKernelOptions(), new MemoryLogger());

  const rows: BenchRow[] = [
    {
      name: 'kernel: full build (e2e, recorded)',
      value: full.seconds.toFixed(0),
      unit: 's',
      note: cpuNote(full.cpuSeconds),
    },
    {
      name: 'kernel: rebuild, nothing changed',
      value: noop.seconds.toFixed(0),
      unit: 's',
      note: cpuNote(noop.cpuSeconds),
    },
    {
      name: `kernel: rebuild after touching ${TOUCHED}`,
      value: touched.seconds.toFixed(0),
      unit: 's',
      note: cpuNote(touched.cpuSeconds),
    },
    {
      name: 'kernel: touched rebuild / full build (wall)',
      value: (touched.seconds / full.seconds).toFixed(3),
      unit: 'x',
    },
  ];
  if (full.cpuSeconds && touched.cpuSeconds !== undefined) {
    rows.push({
      name: 'kernel: touched rebuild / full build (CPU)',
      value: (touched.cpuSeconds / full.cpuSeconds).toFixed(3),
      unit: 'x',
    });
  }
  return rows;
}

function cpuNote(cpu: number | undefined): string {
  return cpu === undefined ? 'CPU time not available' : `${cpu.toFixed(0)} CPU s`;
}
