import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@bpf-ci/matrix';
import { issuesOf } from './issues.ts';

describe('invalid configs name the file, line and column, what was expected and the fix', () => {
  it('an unknown arch', () => {
    expect(issuesOf('arches: [x86_64, riscv64]\n')).toEqual([
      {
        file: '.github/bpf-ci.yml',
        line: 1,
        column: 18,
        message: "unknown arch 'riscv64'",
        expected: 'one of x86_64, aarch64, s390x',
        fix: 'use one of x86_64, aarch64, s390x',
      },
    ]);
    expect(issuesOf('forks:\n  arches:\n    - x86-64\n')).toEqual([
      expect.objectContaining({
        line: 3,
        column: 7,
        message: "unknown arch 'x86-64'",
        fix: "did you mean 'x86_64'?",
      }),
    ]);
  });

  it('llvm on s390x when s390x llvm is excluded (by the defaults or by the file)', () => {
    const text = [
      'toolchains: [gcc-15, llvm-22]',
      'include:',
      '  - arch: s390x',
      '    toolchain: llvm-22',
      '',
    ].join('\n');
    expect(issuesOf(text)).toEqual([
      {
        file: '.github/bpf-ci.yml',
        line: 3,
        column: 5,
        message:
          'include adds llvm-22 on s390x, which exclude {arch: s390x, toolchain: llvm} removes (exclude from the defaults)',
        fix: 'remove the include, or narrow or remove the exclude',
      },
    ]);
    const own = [
      'exclude:',
      '  - {arch: s390x, toolchain: llvm}',
      'include:',
      '  - {arch: s390x, toolchain: llvm-22}',
      '',
    ].join('\n');
    expect(issuesOf(own)).toEqual([
      expect.objectContaining({
        line: 4,
        column: 5,
        message:
          'include adds llvm-22 on s390x, which exclude {arch: s390x, toolchain: llvm} removes (exclude[0] at line 2, column 5)',
      }),
    ]);
  });

  it('a typo in a key, at any depth', () => {
    const text = [
      'arches: [x86_64]',
      'toolchain: [gcc-15]',
      'parallel:',
      '  continue-on-eror: false',
      '',
    ].join('\n');
    expect(issuesOf(text)).toEqual([
      expect.objectContaining({
        line: 2,
        column: 1,
        message: "unknown key 'toolchain'",
        fix: "did you mean 'toolchains'?",
      }),
      {
        file: '.github/bpf-ci.yml',
        line: 4,
        column: 3,
        message: "unknown key 'continue-on-eror' in parallel",
        expected: 'one of runners, on, timeout-minutes, continue-on-error',
        fix: "did you mean 'continue-on-error'?",
      },
    ]);
    expect(issuesOf('tests:\n  s390: [test_verifier]\n')).toEqual([
      expect.objectContaining({
        line: 2,
        column: 3,
        message: "unknown key 's390' in tests",
        fix: "did you mean 's390x'?",
      }),
    ]);
  });

  it('wrong types', () => {
    const text = [
      'arches: x86_64',
      'timeout-minutes:',
      '  build: "90"',
      '  test: ten',
      'parallel:',
      '  continue-on-error: "yes"',
      '',
    ].join('\n');
    expect(issuesOf(text)).toEqual([
      {
        file: '.github/bpf-ci.yml',
        line: 1,
        column: 9,
        message: "arches is the string 'x86_64'",
        expected: 'a list',
        fix: 'write it as a list: [x86_64]',
      },
      expect.objectContaining({ line: 3, column: 10, expected: 'a number', fix: 'remove the quotes: 90' }),
      expect.objectContaining({ line: 4, column: 9, message: "timeout-minutes.test is the string 'ten'" }),
      expect.objectContaining({
        line: 6,
        column: 22,
        expected: 'true or false',
        fix: 'write true or false, without quotes',
      }),
    ]);
  });

  it('a toolchain spelled the way other tools spell it', () => {
    expect(issuesOf('toolchains: [gcc-15, clang-18]\n')).toEqual([
      expect.objectContaining({
        line: 1,
        column: 22,
        message: "'clang-18' is not a toolchain",
        fix: "write 'llvm-18'",
      }),
    ]);
    expect(issuesOf('exclude:\n  - {arch: s390x, toolchain: clang}\n')).toEqual([
      expect.objectContaining({ line: 2, column: 30, fix: "write 'llvm' or 'llvm-22'" }),
    ]);
  });

  it('an unknown test runner, and a custom runner not defined under commands', () => {
    expect(issuesOf('tests:\n  default: [test_progs, test_prog, net]\n')).toEqual([
      expect.objectContaining({
        line: 2,
        column: 25,
        message: "unknown test runner 'test_prog'",
        fix: "did you mean 'test_progs'?",
      }),
      expect.objectContaining({
        line: 2,
        column: 36,
        message: "unknown test runner 'net'",
        fix: 'define it: commands: { net: <command to run in the guest> }',
      }),
    ]);
  });

  it('a fork setting that would build nothing, and an unknown list placeholder', () => {
    const text = [
      'arches: [s390x]',
      'forks:',
      '  arches: [x86_64]',
      'deployment:',
      '  denylists:',
      '    - ci/DENYLIST.{arc}',
      '',
    ].join('\n');
    expect(issuesOf(text)).toEqual([
      expect.objectContaining({
        line: 3,
        column: 11,
        message: 'forks would build nothing: none of x86_64 is built',
      }),
      expect.objectContaining({
        line: 6,
        column: 7,
        message: "unknown placeholder {arc} in 'ci/DENYLIST.{arc}'",
        fix: 'did you mean {arch}?',
      }),
    ]);
  });

  it('names that key maps point at the key', () => {
    expect(issuesOf('commands:\n  "my net": ./run_kselftest.sh\n')).toEqual([
      {
        file: '.github/bpf-ci.yml',
        line: 2,
        column: 3,
        message: "'my net' is not a valid name in commands",
        expected: 'letters, digits, _ . and - only (it names jobs and artifacts)',
        fix: "write 'my-net'",
      },
    ]);
    expect(issuesOf('timeout-minutes:\n  tests:\n    test_mapz: 10\n')).toEqual([
      expect.objectContaining({
        line: 3,
        column: 5,
        message: "unknown test runner 'test_mapz'",
        fix: "did you mean 'test_maps'?",
      }),
    ]);
    expect(issuesOf('commands:\n  test_maps: ./my_test_maps\n')).toEqual([
      expect.objectContaining({ line: 2, column: 3, message: "'test_maps' is a built-in runner" }),
    ]);
  });

  it('an empty list is one error, not a cascade', () => {
    expect(issuesOf('arches: []\n')).toEqual([
      {
        file: '.github/bpf-ci.yml',
        line: 1,
        column: 9,
        message: 'arches is empty',
        expected: 'at least 1 item(s)',
      },
    ]);
  });

  it('YAML syntax errors and duplicate keys', () => {
    expect(issuesOf('arches: [x86_64]\narches: [s390x]\n')).toEqual([
      expect.objectContaining({
        line: 2,
        column: 1,
        message: 'not valid YAML: Map keys must be unique',
        fix: 'remove one of the two keys',
      }),
    ]);
    expect(issuesOf('- x86_64\n')).toEqual([
      expect.objectContaining({ line: 1, column: 1, message: 'the config is a list' }),
    ]);
  });

  it('loadConfig reports against the path it was given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bpf-ci-matrix-'));
    const file = join(dir, 'bpf-ci.yml');
    await writeFile(file, '# comment\n\narches: [x86_64, ppc64le]\n');
    await expect(loadConfig(file)).rejects.toThrow(
      `${file}:3:18: unknown arch 'ppc64le'\n  expected: one of x86_64, aarch64, s390x`,
    );
  });
});
