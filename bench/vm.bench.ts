// The vmtest runner's overhead over a bare QEMU booting the same kernel and initramfs through the
// same guest plan to power-off, measured side by side (alternating, medians), and the time from
// QEMU start to the first test under TCG.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDefaultSelftests } from '@bpf-ci/kernel';
import { MemoryLogger } from '@bpf-ci/logger';
import { buildPlan, prepareVm, runVmTests, type VmTestOptions } from '@bpf-ci/vm';
import type { BenchRow } from './bench.ts';

const ROUNDS = 3;

/** QEMU alone: start it, let the guest run its plan and power off, wait for the exit. */
function rawQemu(binary: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`raw qemu exited with ${code}`)),
    );
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

export default async function bench(): Promise<BenchRow[]> {
  const logger = new MemoryLogger();
  const setup = await ensureDefaultSelftests(logger);
  const base = {
    arch: 'x86_64' as const,
    kernelImage: setup.kernel.vmlinuz,
    modulesDir: setup.kernel.modulesDir,
    accelerator: 'tcg' as const,
  };
  // A plan whose only runner is `true` in the shared root: boot, mount, run, power off.
  const trivial: VmTestOptions = {
    ...base,
    outputDir: mkdtempSync(join(tmpdir(), 'bench-vm-')),
    plan: {
      schemaVersion: 1,
      cwd: setup.dir,
      runners: [{ name: 'noop', kind: 'command', argv: ['true'], timeoutSec: 60 }],
    },
  };
  const raw: number[] = [];
  const runner: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const vm = await prepareVm(trivial, logger);
    try {
      raw.push(await rawQemu(vm.qemuBinary, vm.args));
    } finally {
      vm.cleanup();
    }
    const t0 = performance.now();
    const outcome = await runVmTests(trivial, logger);
    runner.push(performance.now() - t0);
    if (outcome.conclusion !== 'success')
      throw new Error(`bench guest failed: ${outcome.fault?.detail ?? ''}`);
  }

  const firstTest = await runVmTests(
    {
      ...base,
      outputDir: mkdtempSync(join(tmpdir(), 'bench-vm-')),
      plan: buildPlan(
        {
          arch: 'x86_64',
          selftestsDir: setup.dir,
          runners: ['test_progs'],
          allow: ['align'],
          timeoutSec: 600,
        },
        logger,
      ),
    },
    logger,
  );
  const rawMs = median(raw);
  const runnerMs = median(runner);
  return [
    {
      name: 'vm: raw qemu boot → plan → power-off (TCG)',
      value: Math.round(rawMs),
      unit: 'ms',
      note: `median of ${ROUNDS}`,
    },
    {
      name: 'vm: runVmTests, same guest (TCG)',
      value: Math.round(runnerMs),
      unit: 'ms',
      note: `median of ${ROUNDS}`,
    },
    {
      name: 'vm: runner / raw qemu',
      value: Number((runnerMs / rawMs).toFixed(3)),
      unit: '×',
      note: 'goal ≤ 1.05',
    },
    {
      name: 'vm: QEMU start → guest ready (TCG)',
      value: firstTest.timings.readyMs ?? -1,
      unit: 'ms',
    },
    {
      name: 'vm: QEMU start → first test_progs runner (TCG)',
      value: firstTest.timings.firstRunnerMs ?? -1,
      unit: 'ms',
      note: 'includes test_progs -l for the total',
    },
  ];
}
