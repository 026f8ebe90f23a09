// Shared by the aarch64 and s390x e2e tests: the cross-built test_verifier for a foreign arch, one
// boot running a probe command (in the initramfs) and a number range of test_verifier (TCG makes
// the whole list too slow for CI), and the checks both arches share.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { buildCrossSelftests, type CrossSelftestsBuild, type ForeignArch } from '@bpf-ci/kernel';
import type { Logger } from '@bpf-ci/logger';
import { parseRun } from '@bpf-ci/model';
import { buildPlan, GUEST_ROOT_FILE, runVmTests, type RunPlan, type VmTestOutcome } from '@bpf-ci/vm';
import { ownSummary, scratch, timed } from './helpers.ts';

/** test_verifier [from [to]]: the tests it runs under TCG in CI. */
export const VERIFIER_RANGE = ['0', '200'];

export function crossTestVerifier(arch: ForeignArch, logger: Logger): Promise<CrossSelftestsBuild> {
  return timed(`${arch} test_verifier cross build (cached after the first)`, () =>
    buildCrossSelftests({ arch, targets: ['test_verifier'] }, logger),
  );
}

function probeAndVerifierPlan(
  arch: ForeignArch,
  selftestsDir: string,
  probe: string,
  logger: Logger,
): RunPlan {
  const plan = buildPlan(
    { arch, selftestsDir, runners: ['probe: true', 'test_verifier'], timeoutSec: 600 },
    logger,
  );
  return {
    ...plan,
    runners: plan.runners.map((r) =>
      r.kind === 'test_verifier'
        ? { ...r, argv: [...r.argv, ...VERIFIER_RANGE] }
        : { ...r, guestShell: probe, timeoutSec: 120 },
    ),
  };
}

/**
 * Boots `build`'s kernel under TCG running the probe and test_verifier; checks what both arches
 * share (TCG, no fault, the guest's own root, test_verifier's counts equal to its Summary line)
 * and gives the probe's output.
 */
export async function bootProbeAndVerifier(
  build: CrossSelftestsBuild,
  probe: string,
  logger: Logger,
): Promise<{ outcome: VmTestOutcome; out: string; probe: string }> {
  const out = scratch(build.arch);
  const plan = probeAndVerifierPlan(build.arch, build.dir, probe, logger);
  const outcome = await timed(`${build.arch} boot + probe + test_verifier ${VERIFIER_RANGE.join('-')}`, () =>
    runVmTests(
      {
        arch: build.arch,
        kernelImage: build.kernel.vmlinuz,
        modulesDir: build.kernel.modulesDir,
        outputDir: out,
        plan,
      },
      logger,
    ),
  );
  expect(outcome.accelerator.accel).toBe('tcg');
  expect(outcome.fault).toBeUndefined();
  const root = JSON.parse(readFileSync(join(out, GUEST_ROOT_FILE), 'utf8')) as { kind: string };
  expect(root.kind).toBe('own-busybox');

  const run = parseRun(JSON.parse(readFileSync(outcome.resultsJson, 'utf8')));
  const verifier = run.binaries.find((b) => b.binary === 'test_verifier');
  const own = ownSummary(join(out, 'test_verifier.log'));
  expect(own, 'test_verifier printed a Summary line').toBeDefined();
  expect(verifier?.printedCounts).toEqual(own);
  expect(verifier?.parsedCounts).toEqual(own);
  expect(verifier?.complete).toBe(true);
  expect(own?.passed).toBeGreaterThan(100);
  return { outcome, out, probe: readFileSync(join(out, 'probe.log'), 'utf8') };
}
