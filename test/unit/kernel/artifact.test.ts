import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import {
  ArtifactManifest,
  isSelftestsPayload,
  packageArtifact,
  unpackArtifact,
} from '../../../packages/kernel/src/artifact.ts';

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

describe('packageArtifact of a GCOV build', () => {
  /** A build folder with notes in the profiled directory, in a subdirectory, and elsewhere. */
  function gcovBuild(): { dir: string; input: Parameters<typeof packageArtifact>[0] } {
    const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-artifact-gcov-'));
    const build = join(dir, 'build');
    for (const sub of ['kernel/bpf', 'kernel/bpf/preload', 'net/core'])
      mkdirSync(join(build, sub), { recursive: true });
    for (const note of [
      'kernel/bpf/verifier.gcno',
      'kernel/bpf/core.gcno',
      'kernel/bpf/preload/x.gcno',
      'net/core/filter.gcno',
    ])
      writeFileSync(join(build, note), note);
    writeFileSync(join(build, 'kernel/bpf/verifier.o'), 'object');
    writeFileSync(join(build, 'bzImage'), 'image');
    writeFileSync(join(build, '.config'), 'CONFIG_GCOV_KERNEL=y\n');
    // Any ELF file strips: the host's own `true`.
    copyFileSync('/bin/true', join(build, 'vmlinux'));
    return {
      dir,
      input: {
        arch: 'x86_64',
        toolchain: { name: 'gcc', version: 'gcc 12' },
        release: '6.1.0',
        configHash: 'ab',
        image: join(build, 'bzImage'),
        vmlinux: join(build, 'vmlinux'),
        config: join(build, '.config'),
        source: { version: '6.1.0' },
        outDir: join(dir, 'out'),
        coverage: { directories: ['kernel/bpf'], sourceDir: '/src/linux', buildDir: build },
      },
    };
  }

  it("ships the profiled directory's .gcno notes (not its subdirectories', not others') and says where the build was", async () => {
    const { dir, input } = gcovBuild();
    const logger = new MemoryLogger();
    const { path } = await packageArtifact(input, logger);
    const { manifest } = await unpackArtifact(path, join(dir, 'unpacked'));
    expect(manifest.files.gcno).toBe('gcno');
    expect(manifest.coverage).toEqual({
      directories: ['kernel/bpf'],
      sourceDir: '/src/linux',
      buildDir: join(dir, 'build'),
    });
    expect(readdirSync(join(dir, 'unpacked', 'gcno'), { recursive: true }).sort()).toEqual([
      'kernel',
      'kernel/bpf',
      'kernel/bpf/core.gcno',
      'kernel/bpf/verifier.gcno',
    ]);
    expect(logger.messages('info')).toContain('Artifact: 2 GCOV notes (.gcno) of kernel/bpf');
  });

  it('refuses a profiled directory without notes: its coverage would read as zero', async () => {
    const { input } = gcovBuild();
    await expect(
      packageArtifact(
        { ...input, coverage: { ...input.coverage!, directories: ['kernel/trace'] } },
        new MemoryLogger(),
      ),
    ).rejects.toThrow(
      /^no \.gcno files in .*kernel\/trace: was the kernel built with GCOV of kernel\/trace\?$/,
    );
  });

  it('ships no notes and no coverage field for a build without GCOV', async () => {
    const { input } = gcovBuild();
    delete input.coverage;
    const { manifest } = await packageArtifact(input, new MemoryLogger());
    expect(manifest.files.gcno).toBeUndefined();
    expect(manifest.coverage).toBeUndefined();
  });
});
