import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chooseAnnotations,
  parseDiagnostics,
  sourceRelativePath,
} from '../../../packages/kernel/src/diagnostics.ts';

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, '../../fixtures/kernel', name), 'utf8');

describe('parseDiagnostics', () => {
  it('reads gcc 12 errors and warnings with file, line, column, flag and the source excerpt', () => {
    const diags = parseDiagnostics(fixture('gcc-12-errors-warnings.txt'));
    expect(diags.map((d) => [d.severity, d.file, d.line, d.column])).toEqual([
      ['error', 'kernel/bpf/broken.c', 10, 36],
      ['error', 'kernel/bpf/broken.c', 16, 20],
      ['warning', 'kernel/bpf/broken.c', 17, 1],
      ['warning', 'kernel/bpf/broken.c', 4, 12],
    ]);
    expect(diags[0]?.message).toBe('‘undeclared_var’ undeclared (first use in this function)');
    expect(diags[0]?.context[0]).toContain('return prog->len + undeclared_var;');
    expect(diags[0]?.context.some((l) => l.includes('note: each undeclared identifier'))).toBe(true);
    expect(diags[2]?.flag).toBe('-Wreturn-type');
    expect(diags[3]?.flag).toBe('-Wunused-function');
    // "In function" lines are not diagnostics and end the previous one's context.
    expect(diags[1]?.context.join('\n')).not.toContain('At top level');
  });

  it('reads clang 14 errors, whose excerpt has no gcc-style gutter', () => {
    const diags = parseDiagnostics(fixture('clang-14-errors.txt'));
    expect(diags.map((d) => [d.severity, d.file, d.line, d.column, d.message])).toEqual([
      ['error', 'kernel/bpf/broken.c', 10, 22, "use of undeclared identifier 'undeclared_var'"],
      ['error', 'kernel/bpf/broken.c', 16, 15, "no member named 'missing_field' in 'struct bpf_prog'"],
    ]);
    expect(diags[1]?.context).toEqual(['        return prog->missing_field;', '               ~~~~  ^']);
  });

  it('stops a diagnostic at the next kbuild step line and ignores linker errors', () => {
    const text = [
      'kernel/bpf/core.c:5:1: error: expected identifier',
      '    5 | }',
      '  CC      kernel/bpf/verifier.o',
      'ld: kernel/bpf/core.o: undefined reference to `foo`',
    ].join('\n');
    const diags = parseDiagnostics(text);
    expect(diags).toHaveLength(1);
    expect(diags[0]?.context).toEqual(['    5 | }']);
  });
});

describe('chooseAnnotations', () => {
  it('puts errors first, drops repeats and counts what the cap leaves out', () => {
    const diags = parseDiagnostics(
      fixture('gcc-12-errors-warnings.txt') + '\n' + fixture('gcc-12-errors-warnings.txt'),
    );
    const all = chooseAnnotations(diags, 10);
    expect(all.shown.map((d) => `${d.severity}:${d.line}`)).toEqual([
      'error:10',
      'error:16',
      'warning:17',
      'warning:4',
    ]);
    expect(all.omitted).toBe(0);
    const capped = chooseAnnotations(diags, 1);
    expect(capped.shown.map((d) => d.line)).toEqual([10]);
    expect(capped.omitted).toBe(3);
  });
});

describe('sourceRelativePath', () => {
  it('maps relative (from the build folder) and absolute paths into the source tree', () => {
    const dirs = { sourceDir: '/src/linux', buildDir: '/src/linux/build' };
    expect(sourceRelativePath('../kernel/bpf/core.c', dirs)).toBe('kernel/bpf/core.c');
    expect(sourceRelativePath('/src/linux/net/core/filter.c', dirs)).toBe('net/core/filter.c');
    expect(sourceRelativePath('/usr/include/stdio.h', dirs)).toBeUndefined();
  });
});
