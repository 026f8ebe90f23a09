// s390x on an x86_64 host: Debian's s390x kernel boots under TCG on the s390-ccw-virtio machine
// (virtio-ccw 9p shares, the SCLP console), with a root of its own (the s390x static busybox), and
// runs test_verifier cross-built statically for s390x (big-endian). Debian 12 builds this kernel
// without CONFIG_DEBUG_INFO_BTF and without a BPF JIT: the guest's /sys/kernel/btf/vmlinux must
// agree with the kernel's config, and test_verifier's failures (JIT-only and BTF tests) are its own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configHasBtf } from '@bpf-ci/kernel';
import { MemoryLogger } from '@bpf-ci/logger';
import { bootProbeAndVerifier, crossTestVerifier } from './foreign-arch.ts';

describe('s390x guest', () => {
  it('boots the Debian s390x kernel under TCG and runs the cross-built test_verifier, counts as its Summary says', async () => {
    const logger = new MemoryLogger();
    const build = await crossTestVerifier('s390x', logger);
    expect(build.binaries).toEqual([{ name: 'test_verifier', built: true }]);
    // A big-endian s390x executable: EI_DATA 2 (MSB), e_machine 22 (EM_S390) read big-endian.
    const elf = readFileSync(join(build.dir, 'test_verifier'));
    expect(elf[5]).toBe(2);
    expect(elf.readUInt16BE(18)).toBe(22);
    const { probe } = await bootProbeAndVerifier(
      build,
      'uname -m; cat /proc/consoles; [ -e /sys/kernel/btf/vmlinux ] && echo btf=yes || echo btf=no',
      logger,
    );
    expect(probe).toMatch(/^s390x$/m);
    // The kernel's console is the SCLP line console QEMU was given.
    expect(probe).toMatch(/^ttysclp0 /m);
    // BTF in the running kernel exactly when its config says so (Debian 12: not set).
    const hasBtf = configHasBtf(readFileSync(build.kernel.config, 'utf8'));
    expect(probe).toContain(hasBtf ? 'btf=yes' : 'btf=no');
    expect(build.kernel.vmlinux === undefined).toBe(!hasBtf);
  });
});
