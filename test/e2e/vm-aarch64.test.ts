// aarch64 on an x86_64 host: Debian's arm64 kernel boots under TCG with the host's system folders
// shared read-only over 9p, and a command in the guest (arm64 busybox from Debian's
// busybox-static:arm64) reads them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchDebianKernel } from '@bpf-ci/kernel';
import { MemoryLogger } from '@bpf-ci/logger';
import { runVmTests } from '@bpf-ci/vm';
import { scratch, timed } from './helpers.ts';

describe('aarch64 guest', () => {
  it('boots the Debian arm64 kernel under TCG and runs a command that reads the shared system folders', async () => {
    const logger = new MemoryLogger();
    const kernel = await fetchDebianKernel({ arch: 'aarch64' }, logger);
    const out = scratch('aarch64');
    // The runners' folder (here an empty one): never the host's / (the runner refuses to share it).
    const cwd = scratch('aarch64-cwd');
    const outcome = await timed('aarch64 boot + command', () =>
      runVmTests(
        {
          arch: 'aarch64',
          kernelImage: kernel.vmlinuz,
          modulesDir: kernel.modulesDir,
          outputDir: out,
          plan: {
            schemaVersion: 1,
            cwd,
            runners: [
              {
                name: 'shared-root',
                kind: 'command',
                argv: ['true'],
                guestShell: 'uname -m; cat /host/etc/os-release; ls /host/sys/fs/bpf && echo bpffs-mounted',
                timeoutSec: 120,
              },
            ],
          },
        },
        logger,
      ),
    );
    expect(outcome.accelerator.accel).toBe('tcg');
    expect(outcome.conclusion).toBe('success');
    const log = readFileSync(join(out, 'shared-root.log'), 'utf8');
    expect(log).toMatch(/^aarch64$/m);
    // The host's own /etc/os-release, read through 9p from the arm64 guest.
    expect(log).toContain(readFileSync('/etc/os-release', 'utf8').split('\n')[0]);
    expect(log).toContain('bpffs-mounted');
    expect(readFileSync(join(out, 'console.log'), 'utf8')).toMatch(
      /Booting Linux on physical CPU|Linux version 6\.1/,
    );
  });
});
