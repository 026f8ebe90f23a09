import { describe, expect, it } from 'vitest';
import { parseArch, parseToolchain } from '@bpf-ci/domain';
import { toolchainMake } from '../../../packages/kernel/src/toolchain.ts';

describe('toolchains', () => {
  it('reads toolchain names and rejects others with the accepted forms', () => {
    expect(parseToolchain('gcc')).toEqual({ family: 'gcc' });
    expect(parseToolchain('gcc-12')).toEqual({ family: 'gcc', version: 12 });
    expect(parseToolchain('llvm')).toEqual({ family: 'llvm' });
    expect(parseToolchain('LLVM-14')).toEqual({ family: 'llvm', version: 14 });
    expect(() => parseToolchain('icc')).toThrow(/use gcc, gcc-<major>/);
  });

  it('builds natively with gcc and names the versioned compiler', () => {
    expect(toolchainMake({ family: 'gcc' }, 'x86_64', 'x86_64')).toEqual({
      vars: { ARCH: 'x86' },
      compiler: 'gcc',
    });
    expect(toolchainMake({ family: 'gcc', version: 12 }, 'x86_64', 'x86_64')).toEqual({
      vars: { ARCH: 'x86', CC: 'gcc-12', HOSTCC: 'gcc-12' },
      compiler: 'gcc-12',
    });
  });

  it('cross-builds with the Debian cross gcc prefix', () => {
    expect(toolchainMake({ family: 'gcc' }, 'aarch64', 'x86_64')).toEqual({
      vars: { ARCH: 'arm64', CROSS_COMPILE: 'aarch64-linux-gnu-' },
      compiler: 'aarch64-linux-gnu-gcc',
    });
    expect(toolchainMake({ family: 'gcc', version: 12 }, 's390x', 'x86_64').vars).toEqual({
      ARCH: 's390',
      CROSS_COMPILE: 's390x-linux-gnu-',
      CC: 's390x-linux-gnu-gcc-12',
    });
  });

  it('uses LLVM=1 or LLVM=-N, with no CROSS_COMPILE', () => {
    expect(toolchainMake({ family: 'llvm' }, 'aarch64', 'x86_64')).toEqual({
      vars: { ARCH: 'arm64', LLVM: '1' },
      compiler: 'clang',
    });
    expect(toolchainMake({ family: 'llvm', version: 14 }, 'x86_64', 'x86_64').vars).toEqual({
      ARCH: 'x86',
      LLVM: '-14',
    });
  });

  it('accepts Debian and kernel arch names', () => {
    expect(parseArch('amd64')).toBe('x86_64');
    expect(parseArch('arm64')).toBe('aarch64');
    expect(parseArch('s390x')).toBe('s390x');
    expect(() => parseArch('riscv64')).toThrow(/x86_64, aarch64, s390x/);
  });
});
