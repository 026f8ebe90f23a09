import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import {
  ARCH_PROFILES,
  bootUntilMarker,
  chooseAccelerator,
  kernelCmdline,
  qemuArgs,
  standardShares,
} from '@bpf-ci/vm';

/** A guest's QEMU options but the arch and accelerator, with the given shares. */
function guest(shares: Parameters<typeof standardShares>[0]) {
  return {
    kernel: '/k/vmlinuz',
    initramfs: '/k/initrd',
    memoryMiB: 2048,
    cpus: 2,
    shares: standardShares(shares),
  };
}

describe('qemu command line', () => {
  const base = guest({
    systemView: [
      { kind: 'share', tag: 'bpfci-sys-usr', guestPath: '/usr', hostPath: '/usr' },
      { kind: 'symlink', guestPath: '/bin', target: 'usr/bin' },
    ],
    selftestsDir: '/w/selftests/bpf',
    outputDir: '/out,dir',
    modulesDir: '/lib/modules/6.1',
  });

  it('hardens the kernel command line and never reboots', () => {
    const args = qemuArgs({ ...base, profile: ARCH_PROFILES.x86_64, accel: 'tcg' });
    expect(args).toContain('-no-reboot');
    const append = args[args.indexOf('-append') + 1] ?? '';
    for (const opt of [
      'console=ttyS0',
      'panic=-1',
      'sysctl.vm.panic_on_oom=1',
      'softlockup_all_cpu_backtrace=1',
      'kasan_multi_shot',
      'log_buf_len=',
    ]) {
      expect(append).toContain(opt);
    }
  });

  it('shares the system view and the selftests read-only with multidevs=remap, the output folder writable', () => {
    const args = qemuArgs({ ...base, profile: ARCH_PROFILES.x86_64, accel: 'tcg' });
    const fsdevs = args.filter((_, i) => args[i - 1] === '-fsdev');
    expect(fsdevs).toEqual([
      'local,id=fs0,path=/usr,security_model=none,multidevs=remap,readonly=on',
      'local,id=fs1,path=/w/selftests/bpf,security_model=none,multidevs=remap,readonly=on',
      // QEMU's option syntax doubles commas in values.
      'local,id=fs2,path=/out,,dir,security_model=none,multidevs=remap',
      'local,id=fs3,path=/lib/modules/6.1,security_model=none,multidevs=remap,readonly=on',
    ]);
    expect(args).toContain('virtio-9p-pci,fsdev=fs0,mount_tag=bpfci-sys-usr');
  });

  it("uses virt with GICv3 and the PL011 console on aarch64, KVM's host CPU only under KVM", () => {
    const tcg = qemuArgs({ ...base, profile: ARCH_PROFILES.aarch64, accel: 'tcg' });
    expect(tcg.slice(tcg.indexOf('-machine'), tcg.indexOf('-machine') + 2)).toEqual([
      '-machine',
      'virt,gic-version=3',
    ]);
    expect(tcg[tcg.indexOf('-cpu') + 1]).toMatch(/^max/);
    expect(kernelCmdline(ARCH_PROFILES.aarch64)).toMatch(/^console=ttyAMA0 /);
    const kvm = qemuArgs({ ...base, profile: ARCH_PROFILES.aarch64, accel: 'kvm' });
    expect(kvm[kvm.indexOf('-cpu') + 1]).toBe('host');
  });
});

describe('s390x command line', () => {
  const base = guest({
    systemView: [{ kind: 'share', tag: 'bpfci-etc', guestPath: '/etc', hostPath: '/tmp/etc' }],
    selftestsDir: '/w/selftests/bpf',
    outputDir: '/out',
  });
  const args = qemuArgs({ ...base, profile: ARCH_PROFILES.s390x, accel: 'tcg' });
  const after = (flag: string): string[] => args.filter((_, i) => args[i - 1] === flag);

  it('boots the s390-ccw-virtio machine with qemu-system-s390x and the max CPU under TCG', () => {
    expect(ARCH_PROFILES.s390x.qemuBinary).toBe('qemu-system-s390x');
    expect(after('-machine')).toEqual(['s390-ccw-virtio']);
    expect(after('-cpu')).toEqual(['max']);
    const kvm = qemuArgs({ ...base, profile: ARCH_PROFILES.s390x, accel: 'kvm' });
    expect(kvm[kvm.indexOf('-cpu') + 1]).toBe('host');
  });

  it('puts the console on the SCLP line console (ttysclp0), not a serial port', () => {
    expect(kernelCmdline(ARCH_PROFILES.s390x)).toMatch(/^console=ttysclp0 /);
    expect(after('-device')).toContain('sclpconsole,chardev=console');
    expect(after('-chardev')).toEqual(['stdio,id=console,signal=off']);
    expect(args).not.toContain('-serial');
  });

  it('hangs every 9p share off the channel subsystem (virtio-ccw), never PCI', () => {
    const devices = after('-device').filter((d) => d.startsWith('virtio-'));
    expect(devices).toEqual([
      'virtio-9p-ccw,fsdev=fs0,mount_tag=bpfci-etc',
      'virtio-9p-ccw,fsdev=fs1,mount_tag=bpfci-selftests',
      'virtio-9p-ccw,fsdev=fs2,mount_tag=bpfci-out',
    ]);
    expect(args.join(' ')).not.toMatch(/-pci\b/);
  });
});

describe('accelerator', () => {
  it('falls back to TCG when /dev/kvm does not open, says why, and never probes', async () => {
    const logger = new MemoryLogger();
    let probed = false;
    const probe = () => {
      probed = true;
      return Promise.resolve({ ok: true, detail: '' });
    };
    const choice = await chooseAccelerator(ARCH_PROFILES.x86_64, 'auto', probe, logger, '/nonexistent/kvm');
    expect(choice.accel).toBe('tcg');
    expect(probed).toBe(false);
    expect(logger.messages('info').join('\n')).toMatch(
      /Accelerator: TCG \(\/nonexistent\/kvm does not open \(ENOENT\)\)/,
    );
    await expect(
      chooseAccelerator(ARCH_PROFILES.x86_64, 'kvm', probe, logger, '/nonexistent/kvm'),
    ).rejects.toThrow(/KVM requested but/);
  });

  it('falls back to TCG when the device opens but a real KVM probe boot fails', async () => {
    const logger = new MemoryLogger();
    // /dev/null opens read-write as /dev/kvm would; the probe is a real QEMU asked for KVM, which
    // fails here (no KVM) or, where KVM works, never prints the marker of a guest without a kernel.
    const probe = () =>
      bootUntilMarker(
        'qemu-system-x86_64',
        ['-accel', 'kvm', '-nodefaults', '-display', 'none'],
        'never',
        20_000,
      );
    const choice = await chooseAccelerator(ARCH_PROFILES.x86_64, 'auto', probe, logger, '/dev/null');
    expect(choice).toMatchObject({ accel: 'tcg' });
    expect(choice.reason).toMatch(/\/dev\/null opens but a KVM probe boot failed: (qemu exited|no marker)/);
  });

  it('uses TCG for a guest of another arch', async () => {
    const choice = await chooseAccelerator(
      ARCH_PROFILES.aarch64,
      'auto',
      () => Promise.resolve({ ok: true, detail: '' }),
      new MemoryLogger(),
      '/dev/null',
    );
    expect(choice.accel).toBe('tcg');
    expect(choice.reason).toMatch(/guest is aarch64/);
  });
});
