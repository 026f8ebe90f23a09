// KVM when it is really usable, TCG otherwise, and the log says which and why. /dev/kvm can exist
// and open yet fail to run a guest (nested virtualisation, missing CPU features), so KVM also needs
// a probe boot to reach its marker.
import { spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import type { Logger } from '@bpf-ci/logger';
import { hostArch } from '@bpf-ci/domain';
import type { Accelerator, ArchProfile } from './arch.ts';

export interface AcceleratorChoice {
  accel: Accelerator;
  reason: string;
}

export type AcceleratorRequest = 'auto' | Accelerator;

export function kvmOpens(device = '/dev/kvm'): { ok: true } | { ok: false; why: string } {
  try {
    closeSync(openSync(device, constants.O_RDWR));
    return { ok: true };
  } catch (err) {
    return {
      ok: false,
      why: `${device} does not open (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    };
  }
}

/**
 * Decide the accelerator. `probeBoot` boots a tiny guest with KVM and says whether it reached its
 * marker; it only runs when everything else allows KVM.
 */
export async function chooseAccelerator(
  profile: ArchProfile,
  request: AcceleratorRequest,
  probeBoot: () => Promise<{ ok: boolean; detail: string }>,
  logger: Logger,
  device = '/dev/kvm',
): Promise<AcceleratorChoice> {
  const choice = await decide();
  logger.info(`Accelerator: ${choice.accel.toUpperCase()} (${choice.reason})`);
  return choice;

  async function decide(): Promise<AcceleratorChoice> {
    if (request === 'tcg') return { accel: 'tcg', reason: 'TCG requested' };
    if (profile.arch !== hostArch()) {
      if (request === 'kvm')
        throw new Error(`KVM requested but the guest (${profile.arch}) is not the host's arch`);
      return { accel: 'tcg', reason: `the guest is ${profile.arch}, the host ${hostArch() ?? process.arch}` };
    }
    const open = kvmOpens(device);
    if (!open.ok) {
      if (request === 'kvm') throw new Error(`KVM requested but ${open.why}`);
      return { accel: 'tcg', reason: open.why };
    }
    const probe = await probeBoot();
    if (!probe.ok) {
      if (request === 'kvm') throw new Error(`KVM requested but a probe boot failed: ${probe.detail}`);
      return { accel: 'tcg', reason: `${device} opens but a KVM probe boot failed: ${probe.detail}` };
    }
    return { accel: 'kvm', reason: `${device} opens and a probe boot reached its marker (${probe.detail})` };
  }
}

/** Run QEMU until `marker` shows on its stdout, or it exits, or the time is up. */
export function bootUntilMarker(
  binary: string,
  args: readonly string[],
  marker: string,
  timeoutMs: number,
): Promise<{ ok: boolean; detail: string; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let settled = false;
    const finish = (ok: boolean, detail: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve({ ok, detail, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false, `no marker within ${timeoutMs / 1000} s`), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out = (out + d).slice(-4096);
      if (out.includes(marker))
        finish(true, `marker after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4096)));
    child.on('error', (e) => finish(false, e.message));
    child.on('exit', (code, signal) =>
      finish(
        false,
        `qemu exited (${signal ?? code}) before the marker: ${err.trim().split('\n').at(-1) ?? ''}`,
      ),
    );
  });
}
