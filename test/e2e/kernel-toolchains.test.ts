// Every arch × toolchain the CI builds, for real but small: tinyconfig + BPF for the target arch,
// made up to one object (kernel/bpf/core.o, the BPF interpreter and JIT glue). A whole kernel per
// combination would cost CI an hour; one object shows that make gets the right ARCH and
// CROSS_COMPILE or LLVM, that olddefconfig keeps BPF for that arch, and that the compiler the
// manifest names is the one that emitted code for the target.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Arch as KernelArch, Toolchain } from '@bpf-ci/domain';
import { buildKernel } from '@bpf-ci/kernel';
import { MemoryLogger } from '@bpf-ci/logger';
import { elfMachine } from '@bpf-ci/vm';
import { E2E_DIR, E2E_TREE, ensureTree } from './kernel-e2e-setup.ts';

const CASES: { arch: KernelArch; toolchain: Toolchain; machine: number; compiler: RegExp }[] = [
  {
    arch: 'aarch64',
    toolchain: { family: 'gcc' },
    machine: 183,
    compiler: /^aarch64-linux-gnu-gcc .*12\.\d/,
  },
  { arch: 's390x', toolchain: { family: 'gcc' }, machine: 22, compiler: /^s390x-linux-gnu-gcc .*12\.\d/ },
  { arch: 'x86_64', toolchain: { family: 'llvm' }, machine: 62, compiler: /clang version 14\.\d/ },
];

describe('kernel toolchains', () => {
  beforeAll(ensureTree);

  it.each(CASES)(
    '$arch with $toolchain.family: an object for that machine from the named compiler',
    async (c) => {
      const logger = new MemoryLogger();
      const build = await buildKernel(
        {
          sourceDir: E2E_TREE,
          buildDir: join(E2E_DIR, `object-${c.arch}-${c.toolchain.family}`),
          arch: c.arch,
          toolchain: c.toolchain,
          baseTarget: 'tinyconfig',
          selftestsConfig: false,
          // tinyconfig starts from allnoconfig, which makes x86 a 32-bit build.
          fragments: [{ name: 'bpf.config', text: 'CONFIG_64BIT=y\nCONFIG_BPF_SYSCALL=y\n' }],
          targets: ['kernel/bpf/core.o'],
        },
        logger,
      );
      expect(build.dropped).toEqual([]);
      expect(build.toolchain.version).toMatch(c.compiler);
      const object = join(build.buildDir, 'kernel', 'bpf', 'core.o');
      // ELF e_machine: 62 x86-64, 183 AArch64, 22 S/390.
      expect(elfMachine(readFileSync(object).subarray(0, 20))).toBe(c.machine);
      // The compiler records itself in the object: the manifest's toolchain is what built it.
      const comment = execFileSync('readelf', ['-p', '.comment', object], { encoding: 'utf8' });
      expect(comment).toMatch(
        c.toolchain.family === 'llvm' ? /clang version 14/ : /GCC: \(Debian [^)]*\) 12/,
      );
      expect(logger.messages('info').some((m) => m.startsWith(`Toolchain ${build.toolchain.name}: `))).toBe(
        true,
      );
    },
  );
});
