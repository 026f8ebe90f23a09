import { describe, expect, it } from 'vitest';
import {
  describeProbe,
  loadRequirements,
  parseRequirements,
  select,
} from '../../../packages/host/src/index.ts';

const LIST = `# comment
make            make>=3.82                  run,build            runs the builds
clang           clang>=11.0.0               run,build,build:llvm compiles BPF
gcc             gcc>=5.1                    build,build:gcc      compiles the kernel
gcc-aarch64-linux-gnu aarch64-linux-gnu-gcc build:gcc:aarch64    cross gcc
qemu-system-arm qemu-system-aarch64         vmtest:aarch64       QEMU for aarch64 guests
busybox-static:arm64 apt:busybox-static:arm64 vmtest:aarch64     the aarch64 guest's busybox
libelf-dev      /usr/include/gelf.h         build                reads ELF
`;

describe('the host requirements list', () => {
  it('the shipped list parses, every entry has a purpose and someone who needs it', () => {
    const list = loadRequirements();
    expect(list.length).toBeGreaterThan(20);
    for (const r of list) {
      expect(r.purpose.length, r.package).toBeGreaterThan(5);
      expect(r.neededBy.length, r.package).toBeGreaterThan(0);
    }
    const packages = list.map((r) => r.package);
    for (const p of [
      'qemu-system-x86',
      'qemu-system-arm',
      'busybox-static',
      'clang',
      'make',
      'gcc-aarch64-linux-gnu',
    ]) {
      expect(packages).toContain(p);
    }
    // Each command's needs: run boots x86_64 and builds the selftests.
    const run = select(list, { command: 'run' }).map((r) => r.package);
    expect(run).toEqual(expect.arrayContaining(['qemu-system-x86', 'clang', 'make', 'linux-source-6.1']));
    expect(run).not.toContain('qemu-system-arm');
  });

  it('says which line is wrong and why', () => {
    expect(() => parseRequirements('make make run')).toThrow(/requirements.txt:1: want four columns/);
    expect(() => parseRequirements('\nMake make run x')).toThrow(/:2: "Make" is not a Debian package name/);
    expect(() => parseRequirements('make make>=x run builds')).toThrow(/:1: bad probe "make>=x"/);
    expect(() => parseRequirements('make make run a\nmake make build b')).toThrow(
      /:2: the same entry is already on line 1/,
    );
  });

  it('chooses by command and facets, and versions a toolchain family under Debian naming', () => {
    const list = parseRequirements(LIST);
    const names = (need: Parameters<typeof select>[1]): string[] =>
      select(list, need).map((r) => `${r.package} ${describeProbe(r.probe)}`);
    expect(names({ command: 'vmtest', facets: ['x86_64'] })).toEqual([]);
    expect(names({ command: 'vmtest', facets: ['aarch64'] })).toEqual([
      'qemu-system-arm qemu-system-aarch64',
      'busybox-static:arm64 apt:busybox-static:arm64',
    ]);
    expect(names({ command: 'build', facets: ['x86_64'], toolchain: { family: 'gcc' } })).toEqual([
      'make make>=3.82',
      'clang clang>=11.0.0',
      'gcc gcc>=5.1',
      'libelf-dev /usr/include/gelf.h',
    ]);
    expect(
      names({ command: 'build', facets: ['aarch64'], toolchain: { family: 'gcc', version: 12 } }),
    ).toEqual([
      'make make>=3.82',
      'clang clang>=11.0.0',
      'gcc gcc>=5.1',
      'gcc-12 gcc-12>=5.1',
      'gcc-12-aarch64-linux-gnu aarch64-linux-gnu-gcc-12',
      'libelf-dev /usr/include/gelf.h',
    ]);
    expect(
      names({ command: 'build', facets: ['s390x'], toolchain: { family: 'llvm', version: 14 } }),
    ).toEqual([
      'make make>=3.82',
      'clang clang>=11.0.0',
      'clang-14 clang-14>=11.0.0',
      'gcc gcc>=5.1',
      'libelf-dev /usr/include/gelf.h',
    ]);
  });
});
