import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  crossCompilerScript,
  crossMakeVars,
  LINE_BUFFER_SOURCE,
  SYSROOT_PACKAGES,
  sysrootLayout,
} from '../../../packages/kernel/src/cross-selftests.ts';

describe('sysroot assembly', () => {
  it("takes each -dev package for the target's Debian arch and finds its files in Debian's multiarch folders", () => {
    expect(SYSROOT_PACKAGES).toEqual(['libelf-dev', 'zlib1g-dev']);
    expect(sysrootLayout('aarch64')).toEqual({
      arch: 'aarch64',
      debianArch: 'arm64',
      triplet: 'aarch64-linux-gnu',
      packages: ['libelf-dev:arm64', 'zlib1g-dev:arm64'],
      includeDir: 'usr/include',
      libDir: 'usr/lib/aarch64-linux-gnu',
    });
    const s390x = sysrootLayout('s390x', ['libelf-dev', 'zlib1g-dev', 'libzstd-dev']);
    expect(s390x.packages).toEqual(['libelf-dev:s390x', 'zlib1g-dev:s390x', 'libzstd-dev:s390x']);
    expect(s390x.libDir).toBe('usr/lib/s390x-linux-gnu');
  });

  it("gives the cross gcc the sysroot's headers after its own libc's and its libraries, whatever the path", () => {
    const script = crossCompilerScript(sysrootLayout('s390x'), "/cache/sys root/it's");
    execFileSync('sh', ['-n', '-c', script]);
    expect(script.split('\n').at(-2)).toBe(
      `exec s390x-linux-gnu-gcc -isystem '/cache/sys root/it'\\''s/usr/include' -L'/cache/sys root/it'\\''s/usr/lib/s390x-linux-gnu' "$@"`,
    );
    // The script passes its arguments through unchanged (run with `echo` standing in for gcc).
    const echoed = execFileSync(
      'sh',
      ['-c', script.replace('exec s390x-linux-gnu-gcc', 'exec echo'), 'cc', '-c', 'a b.c'],
      {
        encoding: 'utf8',
      },
    );
    expect(echoed.trim()).toBe(
      "-isystem /cache/sys root/it's/usr/include -L/cache/sys root/it's/usr/lib/s390x-linux-gnu -c a b.c",
    );
  });

  it('links statically, the line-buffering object first, with the kernel arch and cross prefix', () => {
    expect(crossMakeVars('aarch64', '/s/bin/cc', '/s/lib/lb.o')).toEqual({
      ARCH: 'arm64',
      CROSS_COMPILE: 'aarch64-linux-gnu-',
      CC: '/s/bin/cc',
      LDLIBS: '-static /s/lib/lb.o -lelf -lz -lrt -lpthread',
    });
    expect(crossMakeVars('s390x', 'cc', 'lb.o')).toMatchObject({
      ARCH: 's390',
      CROSS_COMPILE: 's390x-linux-gnu-',
    });
    expect(LINE_BUFFER_SOURCE).toContain('setvbuf(stdout, NULL, _IOLBF, 0);');
  });
});
