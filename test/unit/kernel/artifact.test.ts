import { describe, expect, it } from 'vitest';
import { ArtifactManifest, isSelftestsPayload } from '../../../packages/kernel/src/artifact.ts';

describe('isSelftestsPayload', () => {
  it('ships binaries, BPF objects, the test module and helper scripts, not sources or build leftovers', () => {
    // Names from a real 6.1 selftests build folder.
    const shipped = [
      'test_progs',
      'veristat',
      'bpftool',
      'urandom_read',
      'liburandom_read.so',
      'bpf_testmod.ko',
    ];
    for (const name of shipped) expect(isSelftestsPayload(name, true), name).toBe(true);
    expect(isSelftestsPayload('atomics.bpf.o', false)).toBe(true);
    expect(isSelftestsPayload('ima_setup.sh', true)).toBe(true);
    expect(isSelftestsPayload('btf_dump_test_case_syntax.c', false)).toBe(true);
    const kept = [
      'test_progs.c',
      'testing_helpers.o',
      'test_progs.d',
      'Makefile',
      'README.rst',
      'config',
      'test_offload.py',
      '.gitignore',
    ];
    for (const name of kept) expect(isSelftestsPayload(name, name === 'test_offload.py'), name).toBe(false);
  });
});

describe('ArtifactManifest', () => {
  it('rejects a manifest of another schema version with the field named', () => {
    const manifest = {
      schemaVersion: 2,
      arch: 'x86_64',
      toolchain: { name: 'gcc', version: 'gcc (Debian 12.2.0-14) 12.2.0' },
      kernelRelease: '6.1.192',
      configHash: 'ab',
      source: { version: '6.1.192' },
      files: { image: 'bzImage', vmlinux: 'vmlinux', config: 'config' },
      createdAt: '2026-11-25T07:00:00Z',
    };
    const result = ArtifactManifest.safeParse(manifest);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['schemaVersion']);
    expect(ArtifactManifest.safeParse({ ...manifest, schemaVersion: 1 }).success).toBe(true);
  });
});
