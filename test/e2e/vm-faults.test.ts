// When the VM breaks mid-run (kernel panic, a guest gone silent, QEMU killed from outside) the job
// is ERROR, what already ran is kept, the interrupted runner is partial and names what was running,
// and the runners after it are reported as not run.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import { parseRun, runConclusion } from '@bpf-ci/model';
import { buildPlan, runVmTests, type RunPlan, type RunnerPlan } from '@bpf-ci/vm';
import { hostileGuestProbe } from '../security/guest-probe.ts';
import { debianVm, defaultSetup, ownSummary, scratch, timed } from './helpers.ts';

/** A quick test_progs runner that passes under TCG: the results the fault must not erase. */
const QUICK_TEST = 'align';

async function planWith(
  fault: RunnerPlan,
): Promise<{ plan: RunPlan; setup: Awaited<ReturnType<typeof defaultSetup>> }> {
  const setup = await defaultSetup();
  const base = buildPlan(
    {
      arch: 'x86_64',
      selftestsDir: setup.dir,
      runners: ['test_progs', 'test_verifier'],
      allow: [QUICK_TEST],
      timeoutSec: 600,
    },
    new MemoryLogger(),
  );
  const [progs, verifier] = base.runners;
  if (!progs || !verifier) throw new Error('plan without runners');
  return { setup, plan: { ...base, runners: [progs, fault, verifier] } };
}

function expectEarlierResultsKept(outputDir: string): void {
  const run = parseRun(JSON.parse(readFileSync(join(outputDir, 'results.json'), 'utf8')));
  const progs = run.binaries[0];
  expect(progs?.binary).toBe('test_progs');
  expect(progs?.complete).toBe(true);
  expect(progs?.tests.map((t) => [t.name, t.status])).toEqual([[QUICK_TEST, 'pass']]);
  expect(progs?.printedCounts).toEqual(ownSummary(join(outputDir, 'test_progs.log')));
  // The runner after the fault never started and says so.
  const verifier = run.binaries[2];
  expect(verifier?.binary).toBe('test_verifier');
  expect(verifier?.complete).toBe(false);
  expect(verifier?.incompleteReasons).toEqual(['not-run']);
  expect(runConclusion(run)).toBe('error');
}

describe('VM faults', () => {
  it('a kernel panic between runners: earlier results kept, panic with call trace reported, ERROR', async () => {
    const { setup, plan } = await planWith({
      name: 'crash',
      kind: 'command',
      argv: ['true'],
      guestShell: 'echo c > /proc/sysrq-trigger',
      timeoutSec: 60,
    });
    const out = scratch('panic');
    const outcome = await timed('panic scenario', () =>
      runVmTests(debianVm(setup, plan, out), new MemoryLogger()),
    );
    expect(outcome.conclusion).toBe('error');
    expect(outcome.fault?.reason).toBe('kernel-panic');
    expect(outcome.fault?.detail).toMatch(/sysrq triggered crash/);
    expectEarlierResultsKept(out);
    const crash = outcome.run.binaries[1];
    expect(crash?.incompleteReasons).toContain('kernel-panic');
    const panic = crash?.events.find((e) => e.kind === 'panic');
    expect(panic?.title).toMatch(/Kernel panic - not syncing: sysrq triggered crash/);
    expect(panic?.callTrace.join('\n')).toMatch(/sysrq_handle_crash/);
  });

  it('a guest silent past the watchdog: timeout ERROR, partial results kept', async () => {
    const { setup, plan } = await planWith({
      name: 'hang',
      kind: 'command',
      argv: ['true'],
      // Quiet the kernel too, so nothing at all reaches the console.
      guestShell: 'echo 0 > /proc/sys/kernel/printk; sleep 3600',
      timeoutSec: 3600,
    });
    const out = scratch('silent');
    const outcome = await timed('silence scenario', () =>
      runVmTests(debianVm(setup, plan, out, { silenceTimeoutSec: 20 }), new MemoryLogger()),
    );
    expect(outcome.conclusion).toBe('error');
    expect(outcome.fault).toEqual({
      reason: 'timeout',
      detail: expect.stringMatching(/no console output for 20 s/) as unknown,
    });
    expectEarlierResultsKept(out);
    expect(outcome.run.binaries[1]?.incompleteReasons).toEqual(['timeout']);
    expect(outcome.run.binaries[1]?.incompleteDetail).toMatch(/while it ran/);
  });

  it('QEMU killed from outside mid-run: a clear error, nothing already written lost', async () => {
    const { setup, plan } = await planWith({
      name: 'busy',
      kind: 'command',
      argv: ['true'],
      guestShell: 'sleep 3600',
      timeoutSec: 3600,
    });
    const out = scratch('killed');
    const logger = new MemoryLogger();
    let qemuPid: number | undefined;
    const killer = setInterval(() => {
      // Once the guest is inside the long runner, kill QEMU as an OOM killer or a cancel would.
      if (qemuPid !== undefined && logger.messages('info').includes('Running busy')) {
        clearInterval(killer);
        process.kill(qemuPid, 'SIGKILL');
      }
    }, 200);
    const outcome = await timed('QEMU-killed scenario', () =>
      runVmTests(debianVm(setup, plan, out, { onQemuStarted: (pid) => (qemuPid = pid) }), logger),
    ).finally(() => clearInterval(killer));
    expect(outcome.fault).toEqual({
      reason: 'vm-failure',
      detail: 'QEMU was killed by SIGKILL from outside the runner',
    });
    expect(logger.messages('error')).toContain('QEMU was killed by SIGKILL from outside the runner');
    expectEarlierResultsKept(out);
    for (const f of ['test_progs.log', 'test_progs.exit', 'console.log', 'plan.json', 'results.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
  });

  it("QEMU failing to start: ERROR with QEMU's own message, every runner not run", async () => {
    const { setup, plan } = await planWith({
      name: 'never',
      kind: 'command',
      argv: ['true'],
      timeoutSec: 60,
    });
    const out = scratch('qemu-fails');
    const logger = new MemoryLogger();
    const outcome = await runVmTests(
      // More memory than QEMU can reserve: it refuses before the guest exists.
      debianVm(setup, plan, out, { memoryMiB: 64 * 2 ** 30 }),
      logger,
    );
    expect(outcome.conclusion).toBe('error');
    expect(outcome.fault?.reason).toBe('vm-failure');
    expect(outcome.fault?.detail).toMatch(/^QEMU exited with 1: .*qemu-system-x86_64: .*memory/i);
    expect(readFileSync(join(out, 'qemu-stderr.log'), 'utf8')).toMatch(/memory/i);
    expect(outcome.run.binaries.map((b) => b.incompleteReasons)).toEqual([
      ['not-run'],
      ['not-run'],
      ['not-run'],
    ]);
  });

  it('a kernel without ACPI (acpi=off): the guest still ends QEMU itself once the plan is done; the guest cannot reach a secret planted on the host', async () => {
    const setup = await defaultSetup();
    // Guest visibility rides on this boot: a secret file in the host's home and a secret in the
    // environment QEMU inherits; a hostile runner looks for both (test/security/guest-probe.ts).
    const secretValue = `planted-${randomBytes(12).toString('hex')}`;
    const secrets = {
      file: join(homedir(), `.bpf-ci-planted-${randomBytes(4).toString('hex')}`),
      envName: 'BPF_CI_PLANTED_SECRET',
    };
    writeFileSync(secrets.file, `${secretValue}\n`, { mode: 0o644 });
    process.env[secrets.envName] = secretValue;
    const plan: RunPlan = {
      schemaVersion: 1,
      cwd: setup.dir,
      runners: [
        { name: 'hello', kind: 'command', argv: ['true'], guestShell: 'cat /proc/cmdline', timeoutSec: 60 },
        {
          name: 'visibility',
          kind: 'command',
          argv: ['true'],
          guestShell: hostileGuestProbe(secrets),
          timeoutSec: 300,
        },
      ],
    };
    const out = scratch('no-acpi');
    const logger = new MemoryLogger();
    const outcome = await timed('no-ACPI guest + guest-visibility probe', () =>
      runVmTests(debianVm(setup, plan, out, { extraCmdline: ['acpi=off'], powerOffGraceSec: 120 }), logger),
    ).finally(() => {
      rmSync(secrets.file, { force: true });
      delete process.env[secrets.envName];
    });
    // `poweroff -f` would only halt this kernel; the guest reboots and QEMU (-no-reboot) exits.
    expect(logger.messages('info').some((m) => m.includes('QEMU is still up'))).toBe(false);
    expect(outcome.fault).toBeUndefined();
    expect(outcome.conclusion).toBe('success');
    expect(readFileSync(join(out, 'hello.log'), 'utf8')).toMatch(/\bacpi=off\b/);

    const probe = readFileSync(join(out, 'visibility.log'), 'utf8');
    // It really looked: it saw the 9p exports (system folders, /etc copy, selftests, output, modules).
    expect(probe).toMatch(/^9p tags: ([5-9]|\d\d+)$/m);
    expect(probe).toMatch(/^guest probe finished: found=0$/m);
    expect(probe).not.toMatch(/^FOUND/m);
    // Neither secret reached anything the job keeps or prints.
    for (const f of readdirSync(out)) {
      expect(readFileSync(join(out, f), 'latin1'), f).not.toContain(secretValue);
    }
    expect(logger.messages().join('\n')).not.toContain(secretValue);
  });

  it('a guest that halts after its plan is done: QEMU stopped by the runner, not left to the watchdog', async () => {
    const setup = await defaultSetup();
    // The last runner says `done` the way /init does, then halts the machine (no ACPI: poweroff
    // only halts), as a kernel that cannot power off would after a finished plan.
    const haltAfterDone =
      'echo hello from the guest; eval "$(grep "^say()" /init)"; say done; sync; poweroff -f';
    const plan: RunPlan = {
      schemaVersion: 1,
      cwd: setup.dir,
      runners: [
        { name: 'hello', kind: 'command', argv: ['true'], guestShell: haltAfterDone, timeoutSec: 60 },
      ],
    };
    const out = scratch('halts');
    const logger = new MemoryLogger();
    const outcome = await timed('halting-guest scenario', () =>
      runVmTests(debianVm(setup, plan, out, { extraCmdline: ['acpi=off'], powerOffGraceSec: 5 }), logger),
    );
    expect(
      logger.messages('info').some((m) => /finished its plan but QEMU is still up 5 s later/.test(m)),
    ).toBe(true);
    expect(readFileSync(join(out, 'console.log'), 'utf8')).toMatch(/reboot: System halted/);
    expect(outcome.fault).toBeUndefined();
    expect(readFileSync(join(out, 'hello.log'), 'utf8')).toContain('hello from the guest');
  });
});
