// aarch64 on an x86_64 host: Debian's arm64 kernel boots under TCG with a root of its own (the
// arm64 static busybox from Debian's busybox-static:arm64, the public /etc copy) and runs
// test_verifier cross-built statically for arm64; a probe command reads the guest's view.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import { bootProbeAndVerifier, crossTestVerifier } from './foreign-arch.ts';

describe('aarch64 guest', () => {
  it('boots the Debian arm64 kernel under TCG and runs the cross-built test_verifier, counts as its Summary says', async () => {
    const logger = new MemoryLogger();
    const build = await crossTestVerifier('aarch64', logger);
    expect(build.binaries).toEqual([{ name: 'test_verifier', built: true }]);
    // The sysroot: Debian's arm64 -dev packages unpacked (not installed), recorded with their hashes.
    const { layout, root: sysroot, packages } = build.sysroot;
    expect(packages.map((p) => p.name)).toEqual(layout.packages);
    for (const p of packages) expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(join(sysroot, layout.includeDir, 'gelf.h'))).toBe(true);
    expect(existsSync(join(sysroot, layout.libDir, 'libelf.a'))).toBe(true);
    // An arm64 executable, statically linked: e_machine 183 (EM_AARCH64), no PT_INTERP.
    const elf = readFileSync(join(build.dir, 'test_verifier'));
    expect(elf.readUInt16LE(18)).toBe(183);
    expect(elf.includes('/lib/ld-linux-aarch64.so.1')).toBe(false);
    const { out, probe } = await bootProbeAndVerifier(
      build,
      'uname -m; cat /host/etc/debian_version; ls /host/sys/fs/bpf && echo bpffs-mounted; ' +
        'chroot /host /bin/sh -c "readlink /bin; ls /usr/bin/busybox"',
      logger,
    );
    expect(probe).toMatch(/^aarch64$/m);
    // The host's own /etc/debian_version (its public copy), read through 9p from the arm64 guest.
    // (/etc/os-release links into /usr/lib, which is the host's and not in this root.)
    expect(probe).toContain(readFileSync('/etc/debian_version', 'utf8').trim());
    expect(probe).toContain('bpffs-mounted');
    // The runners' root is the guest's own: /bin links to /usr/bin holding the arm64 busybox.
    expect(probe).toMatch(/^usr\/bin\n\/usr\/bin\/busybox$/m);
    expect(readFileSync(join(out, 'console.log'), 'utf8')).toMatch(
      /Booting Linux on physical CPU|Linux version 6\.1/,
    );
  });
});
