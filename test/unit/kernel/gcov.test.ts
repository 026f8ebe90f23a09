import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gcovBuild, parseConfig } from '@bpf-ci/kernel';

describe('GCOV build of chosen directories', () => {
  it('asks for CONFIG_GCOV_KERNEL and debugfs, and sets atomic counter updates', () => {
    const gcov = gcovBuild({ directories: ['kernel/bpf/', 'kernel/bpf', 'net/core'] }, 'gcc');
    const config = parseConfig(gcov.fragment.text);
    expect(config.get('CONFIG_GCOV_KERNEL')).toBe('y');
    expect(config.get('CONFIG_DEBUG_FS')).toBe('y');
    expect(config.get('CONFIG_GCOV_PROFILE_ALL')).toBeNull();
    expect(gcov.makeArgs).toContain(
      'CFLAGS_GCOV=-fprofile-arcs -ftest-coverage -fno-tree-loop-im -fprofile-update=atomic',
    );
    expect(gcovBuild({ directories: ['kernel/bpf'] }, 'llvm').makeArgs).toContain(
      'CFLAGS_GCOV=-fprofile-arcs -ftest-coverage -fprofile-update=atomic',
    );
    expect(gcov.description).toContain('GCOV_PROFILE := y added for kernel/bpf, net/core by the build');
  });

  it("makes GCOV_PROFILE y in exactly those directories' sub-makes, and a directory's own := n still wins", () => {
    // Kbuild runs one sub-make per directory with obj=<dir>; make passes --eval on to sub-makes.
    const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-gcov-make-'));
    mkdirSync(join(dir, 'sub'));
    const dirs = ['kernel/bpf', 'kernel/bpf/preload', 'kernel', 'lib'];
    writeFileSync(
      join(dir, 'Makefile'),
      `all:\n${dirs.map((d) => `\t@$(MAKE) -s -C sub obj=${d}\n`).join('')}`,
    );
    writeFileSync(
      join(dir, 'sub', 'Makefile'),
      'ifeq ($(obj),lib)\nGCOV_PROFILE := n\nendif\nall:\n\t@echo "$(obj)=$(GCOV_PROFILE)"\n',
    );
    const gcov = gcovBuild({ directories: ['kernel/bpf', 'lib'] }, 'gcc');
    const out = execFileSync(
      'make',
      ['-s', '-C', dir, ...gcov.makeArgs.filter((a) => a.startsWith('--eval'))],
      {
        encoding: 'utf8',
      },
    );
    expect(out.trim().split('\n')).toEqual(['kernel/bpf=y', 'kernel/bpf/preload=', 'kernel=', 'lib=n']);
  });

  it('refuses a directory that would inject make syntax or leave the tree', () => {
    for (const d of ['kernel/$(shell id)', '../x', '/abs', 'a b', '']) {
      expect(() => gcovBuild({ directories: [d] }, 'gcc'), d).toThrow(/source-relative directory/);
    }
    expect(() => gcovBuild({ directories: [] }, 'gcc')).toThrow(/at least one directory/);
  });
});
