// The QEMU command line for one guest: pure, so tests and the benchmark see exactly what runs.
import type { Accelerator, ArchProfile } from './arch.ts';
import { MOUNT_TAGS } from './guest-init.ts';
import type { GuestRootEntry } from './guest-view.ts';

/**
 * Kernel command-line hardening: a panic reboots at once (QEMU, started with -no-reboot, then
 * exits instead of hanging), OOM panics rather than limping on, lockups dump every CPU, KASAN keeps
 * reporting after the first splat, and the log buffer holds a whole run.
 */
export const HARDENING_CMDLINE: readonly string[] = [
  'panic=-1',
  'sysctl.vm.panic_on_oom=1',
  'softlockup_all_cpu_backtrace=1',
  'hardlockup_all_cpu_backtrace=1',
  'sysctl.kernel.hung_task_all_cpu_backtrace=1',
  'kasan_multi_shot',
  'log_buf_len=16M',
];

export interface QemuShare {
  tag: string;
  hostPath: string;
  readonly: boolean;
}

export interface QemuOptions {
  profile: ArchProfile;
  accel: Accelerator;
  kernel: string;
  initramfs: string;
  memoryMiB: number;
  cpus: number;
  shares: readonly QemuShare[];
  extraCmdline?: readonly string[];
}

export function kernelCmdline(profile: ArchProfile, extra: readonly string[] = []): string {
  return [
    `console=${profile.console}`,
    'rdinit=/init',
    ...HARDENING_CMDLINE,
    ...profile.extraCmdline,
    ...extra,
  ].join(' ');
}

export interface ShareRequest {
  /** The guest's system view (guest-view.ts systemEntries): its shares are exported read-only. */
  systemView: readonly GuestRootEntry[];
  /** The selftests tree, read-only, at the same path in the guest. */
  selftestsDir: string;
  /** The one writable share. */
  outputDir: string;
  modulesDir?: string;
}

/**
 * Every share of a run: the system view and the selftests read-only, the output folder writable.
 * Never the host root: what the guest can read is exactly this list.
 */
export function standardShares(request: ShareRequest): QemuShare[] {
  const shares: QemuShare[] = request.systemView.flatMap((e) =>
    e.kind === 'share' ? [{ tag: e.tag, hostPath: e.hostPath, readonly: true }] : [],
  );
  shares.push(
    { tag: MOUNT_TAGS.selftests, hostPath: request.selftestsDir, readonly: true },
    { tag: MOUNT_TAGS.out, hostPath: request.outputDir, readonly: false },
  );
  if (request.modulesDir)
    shares.push({ tag: MOUNT_TAGS.modules, hostPath: request.modulesDir, readonly: true });
  return shares;
}

export function qemuArgs(o: QemuOptions): string[] {
  const args = [
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-machine',
    o.profile.machine,
    '-accel',
    o.accel,
    '-cpu',
    o.profile.cpu[o.accel],
    '-smp',
    String(o.cpus),
    '-m',
    `${o.memoryMiB}M`,
    '-kernel',
    o.kernel,
    '-initrd',
    o.initramfs,
    '-append',
    kernelCmdline(o.profile, o.extraCmdline),
    // The console on QEMU's stdout; signal=off so a ^C in the terminal reaches us, not the guest.
    '-chardev',
    'stdio,id=console,signal=off',
    ...o.profile.extraArgs,
  ];
  o.shares.forEach((share, i) => {
    // multidevs=remap: a share may span several file systems; without it inode numbers collide.
    const fsdev = [
      'local',
      `id=fs${i}`,
      `path=${share.hostPath.replaceAll(',', ',,')}`,
      'security_model=none',
      'multidevs=remap',
      ...(share.readonly ? ['readonly=on'] : []),
    ].join(',');
    args.push(
      '-fsdev',
      fsdev,
      '-device',
      `virtio-9p-${o.profile.virtioBus},fsdev=fs${i},mount_tag=${share.tag}`,
    );
  });
  return args;
}
