// Every selected test gets a verdict, in one boot of Debian's 6.1 kernel under TCG with the real
// test_progs: a `-j` worker killed mid-test leaves its test `miss` (test_progs itself leaves it out
// of its Summary), misspelt allow and deny entries are named with their list files, and QEMU killed
// mid-plan leaves the test that was running and the ones after it `miss`, the runner partial and the
// next runner not run. Then the result-parser bundle reads that results.json as the workflow runs
// it: one summary and annotations that say all of it.
//
// The triggers are the plan's, not the clock's: btf_skc_cls_ingress runs `ip link set dev lo up` through
// system(3), and a guest-side hook puts a script over ip(8) that first kills the test_progs worker
// that ran it, then (switched by the next hook) blocks and leaves a file in the output folder, on
// which the host kills QEMU.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import { parseRun, type BinaryResult } from '@bpf-ci/model';
import { GUEST_OUTPUT_DIR, buildPlan, runVmTests, type RunnerPlan } from '@bpf-ci/vm';
import { runBundle } from '../helpers/action-harness.ts';
import { runnerCommands } from '../unit/report/runner-sim.ts';
import { debianVm, defaultSetup, ownSummary, scratch, timed } from './helpers.ts';

/**
 * Runs ip(8) through system(3) in a worker (prog_tests/btf_skc_cls_ingress.c; sock_fields would
 * not do: a serial_test_ runs in test_progs' main process). Sorted: align, VICTIM, global_data, spinlock.
 */
const VICTIM = 'btf_skc_cls_ingress';
const ALLOWED = ['align', VICTIM, 'global_data', 'spinlock'];
const MISSPELT_ALLOW = 'algn';
/** `atomics` exists; this does not. */
const MISSPELT_DENY = 'atomcs';
const BLOCKED_MARKER = 'blocked-in-ip';
const HOOK_DIR = '/host/tmp/bpf-ci-e2e';

/**
 * Stands in for ip(8) inside the runners' root. `kill-worker`: SIGKILL the nearest test_progs
 * ancestor (the -j worker running the test). `block`: say so in the output folder and wait for the
 * host to kill the VM.
 */
const IP_SCRIPT = [
  '#!/bin/sh',
  'case "$(cat /tmp/bpf-ci-e2e/mode)" in',
  'kill-worker)',
  '  p=$PPID',
  '  while [ "$p" -gt 1 ] && [ "$(cat /proc/$p/comm)" != test_progs ]; do',
  "    p=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$p/status)",
  '  done',
  '  [ "$p" -gt 1 ] && kill -9 "$p" ;;',
  'block)',
  `  : > ${GUEST_OUTPUT_DIR}/${BLOCKED_MARKER}`,
  '  exec sleep 3600 ;;',
  'esac',
  '',
].join('\n');

function hook(name: string, shell: string): RunnerPlan {
  return { name, kind: 'command', argv: ['true'], guestShell: shell, timeoutSec: 60 };
}

const binary = (binaries: BinaryResult[], name: string): BinaryResult => {
  const b = binaries.find((x) => (x.variant ?? x.binary) === name);
  if (!b) throw new Error(`no runner ${name} in ${binaries.map((x) => x.variant ?? x.binary).join(', ')}`);
  return b;
};
const statuses = (b: BinaryResult) => Object.fromEntries(b.tests.map((t) => [t.name, t.status]));

describe('accounting in the VM: every selected test has a verdict', () => {
  it('a killed -j worker, misspelt list entries and QEMU killed mid-plan, read back by the result-parser bundle', async () => {
    const setup = await defaultSetup();
    const out = scratch('accounting');
    const allowlist = join(out, 'ALLOWLIST');
    const denylist = join(out, 'DENYLIST');
    writeFileSync(allowlist, `${[...ALLOWED, MISSPELT_ALLOW].join('\n')}\n`);
    writeFileSync(denylist, `${MISSPELT_DENY}\n`);
    const logger = new MemoryLogger();
    const base = buildPlan(
      {
        arch: 'x86_64',
        selftestsDir: setup.dir,
        runners: ['test_progs -j2', 'test_progs', 'test_verifier'],
        allowlists: [allowlist],
        denylists: [denylist],
        timeoutSec: 600,
      },
      logger,
    );
    const [parallel, serial, verifier] = base.runners;
    if (!parallel || !serial || !verifier) throw new Error('plan without its three runners');
    const vmOut = join(out, 'vm');
    const plan = {
      ...base,
      runners: [
        hook(
          'hook-kill-worker',
          [
            `mkdir -p ${HOOK_DIR}`,
            `printf '%s' '${IP_SCRIPT.replaceAll("'", `'\\''`)}' > ${HOOK_DIR}/ip`,
            `chmod +x ${HOOK_DIR}/ip`,
            `echo kill-worker > ${HOOK_DIR}/mode`,
            `mount --bind ${HOOK_DIR}/ip /host/usr/bin/ip`,
          ].join(' && '),
        ),
        parallel,
        // The killed worker never unpinned the victim's program: without this the serial run's
        // victim fails to pin ("File exists") before it reaches ip(8).
        hook('hook-block', `rm -f /host/sys/fs/bpf/${VICTIM} && echo block > ${HOOK_DIR}/mode`),
        serial,
        verifier,
      ],
    };
    let qemuPid: number | undefined;
    const killer = setInterval(() => {
      // The guest is blocked inside the victim test: kill QEMU as an OOM killer or a cancel would.
      if (qemuPid !== undefined && existsSync(join(vmOut, BLOCKED_MARKER))) {
        clearInterval(killer);
        process.kill(qemuPid, 'SIGKILL');
      }
    }, 200);
    const outcome = await timed(
      'accounting (killed -j worker, misspelt entries, QEMU killed) in one boot',
      () => runVmTests(debianVm(setup, plan, vmOut, { onQemuStarted: (pid) => (qemuPid = pid) }), logger),
    ).finally(() => clearInterval(killer));
    expect(outcome.fault).toEqual({
      reason: 'vm-failure',
      detail: 'QEMU was killed by SIGKILL from outside the runner',
    });
    const run = parseRun(JSON.parse(readFileSync(outcome.resultsJson, 'utf8')));

    // The -j run: the worker that ran the victim died. Whatever test_progs made of it (a Summary
    // without the test, or, in 6.1, its main process dying of SIGPIPE when it tells the dead worker
    // to exit), every selected test has exactly one verdict and the victim is `miss`.
    const par = binary(run.binaries, parallel.name);
    expect(par.selectedTests).toEqual(ALLOWED);
    expect(par.tests.map((t) => t.name).sort()).toEqual([...ALLOWED].sort());
    const victim = par.tests.find((t) => t.name === VICTIM)!;
    expect(victim.status).toBe('miss');
    // Which of the two test_progs did is in its exit status: 141 (SIGPIPE) when the main process
    // died, and then the reason says so; otherwise a Summary without the test: the worker died.
    expect(victim.reason).toBe(
      par.exitCode === 141
        ? `${par.binary} (its main process) died of SIGPIPE (exit status 141, a write to a closed pipe or worker socket) before this test reported`
        : 'never reported: the test_progs worker running it died (test_progs then leaves it out of its Summary)',
    );
    const log = readFileSync(join(vmOut, `${parallel.name}.log`), 'utf8');
    // What the tool printed of the victim: no result line of its own.
    expect(log).not.toMatch(new RegExp(`^#\\d+\\s+${VICTIM}:`, 'm'));
    const summary = ownSummary(join(vmOut, `${parallel.name}.log`));
    const reported = par.tests.filter((t) => t.status !== 'miss');
    if (summary) {
      // The tool's own counts stay the tool's: the lost test is in none of them.
      expect(par.printedCounts).toEqual(summary);
      expect(summary.passed + summary.skipped + summary.failed).toBe(reported.length);
    } else {
      expect(par.complete).toBe(false);
      expect(par.incompleteReasons).toContain('no-summary');
    }
    process.stderr.write(
      `[e2e] -j after the worker's death: exit ${String(par.exitCode)}, ${summary ? 'a Summary line' : 'no Summary line'}, ` +
        `${reported.length} reported, ${par.tests.length - reported.length} miss\n`,
    );
    expect(par.unmatchedEntries).toEqual([
      { list: 'allow', entry: MISSPELT_ALLOW, source: allowlist },
      { list: 'deny', entry: MISSPELT_DENY, source: denylist },
    ]);

    // The serial run: QEMU died while the victim was blocked; the tests after it never started.
    const ser = binary(run.binaries, serial.name);
    expect(ser.complete).toBe(false);
    expect(ser.incompleteReasons).toContain('vm-failure');
    expect(ser.incompleteDetail).toContain(`while ${VICTIM} was running`);
    expect(statuses(ser)).toEqual({ align: 'pass', [VICTIM]: 'miss', global_data: 'miss', spinlock: 'miss' });
    expect(ser.tests.find((t) => t.name === VICTIM)?.reason).toMatch(/while this test was running/);
    for (const name of ['global_data', 'spinlock'])
      expect(ser.tests.find((t) => t.name === name)?.reason).toMatch(
        new RegExp(`before this test reported \\(it stopped at ${VICTIM}\\)`),
      );
    // The runner after it never started, and says so.
    const ver = binary(run.binaries, verifier.name);
    expect(ver.incompleteReasons).toEqual(['not-run']);

    // The result-parser bundle reads the runner's results.json as the workflow passes it.
    const parsed = await timed('result-parser bundle on the results.json', () =>
      runBundle('result-parser', {
        results: outcome.resultsJson,
        arch: 'x86_64',
        toolchain: 'gcc-12',
        runner: 'test_progs',
        'output-dir': join(out, 'results'),
      }),
    );
    expect(parsed.outputs['conclusion']).toBe('error');
    const annotations = runnerCommands(parsed.stdout).filter((c) =>
      ['error', 'warning', 'notice'].includes(c.name),
    );
    const said = (level: string, text: string) =>
      annotations.some((a) => a.name === level && a.data.includes(text));
    expect(said('error', 'QEMU was killed by SIGKILL from outside the runner')).toBe(true);
    expect(said('error', `${VICTIM} (${victim.reason ?? ''}`)).toBe(true);
    expect(said('warning', `The allowlist entry '${MISSPELT_ALLOW}' (${allowlist}) matched no test`)).toBe(
      true,
    );
    expect(said('warning', `The denylist entry '${MISSPELT_DENY}' (${denylist}) matched no test`)).toBe(true);
    // One summary, with the misses and the entries next to the tool's counts.
    expect(parsed.summary).toContain('Selects nothing');
    expect(parsed.summary).toContain(VICTIM.replaceAll('_', '\\_'));
    expect(existsSync(join(out, 'results', 'results.json'))).toBe(true);
  });
});
