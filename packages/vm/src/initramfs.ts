// The guest's initramfs: busybox, the modules the kernel needs before 9p works, and /init.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { buildCpio, type CpioEntry } from './cpio.ts';

export interface InitramfsContent {
  /** A statically linked busybox for the guest's arch. */
  busybox: string;
  /** Module files (.ko), in load order. */
  modules: readonly string[];
  /** The /init script. */
  init: string;
  /** The kernel's .config, put at /kconfig for the guest to show as /boot/config-RELEASE. */
  kernelConfig?: string;
}

/** Names the modules get under /modules (what guestInit's `modules` lists). */
export function initramfsModuleNames(modules: readonly string[]): string[] {
  return modules.map((m) => basename(m));
}

export function buildInitramfs(content: InitramfsContent): Buffer {
  const entries: CpioEntry[] = [
    { type: 'dir', path: 'bin' },
    { type: 'dir', path: 'sbin' },
    { type: 'dir', path: 'dev' },
    // The kernel opens /dev/console for init before devtmpfs is mounted.
    { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { type: 'dir', path: 'proc' },
    { type: 'dir', path: 'sys' },
    { type: 'dir', path: 'tmp' },
    { type: 'dir', path: 'lib' },
    { type: 'dir', path: 'lib/modules' },
    { type: 'dir', path: 'modules' },
    { type: 'file', path: 'bin/busybox', data: readFileSync(content.busybox), mode: 0o755 },
    { type: 'symlink', path: 'bin/sh', target: 'busybox' },
    ...content.modules.map((m): CpioEntry => ({
      type: 'file',
      path: `modules/${basename(m)}`,
      data: readFileSync(m),
    })),
    { type: 'file', path: 'init', data: Buffer.from(content.init, 'utf8'), mode: 0o755 },
    ...(content.kernelConfig
      ? [{ type: 'file', path: 'kconfig', data: readFileSync(content.kernelConfig) } as const]
      : []),
  ];
  return buildCpio(entries);
}
