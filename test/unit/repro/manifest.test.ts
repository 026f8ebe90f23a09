// The job manifest: what the VM runner records, validated by the model's schema, and read back.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobManifest, parseJobManifest } from '@bpf-ci/model';
import { commonFolder, describeUserland, jobIdentity, kernelCmdline, ARCH_PROFILES } from '@bpf-ci/vm';
import { JOB_PLAN, jobManifest } from './fixtures.ts';

describe('job manifest', () => {
  it('records the build relative to its folder, the merged lists, the plan, cmdline, QEMU and userland', () => {
    const m = jobManifest();
    expect(m.schemaVersion).toBe(1);
    expect(m.build).toEqual({
      root: '/home/runner/work/_temp/kernel',
      artifact: 'kernel-x86_64-gcc',
      kernelImage: 'bzImage',
      kernelConfig: 'config',
      selftests: 'selftests',
    });
    expect(m.lists.allow.map((e) => e.entry)).toEqual(['lsm', 'align']);
    expect(m.lists.deny).toEqual([{ entry: 'bad', source: 'ci/DENYLIST' }]);
    expect(m.plan).toEqual(JOB_PLAN);
    expect(m.cmdline).toBe(kernelCmdline(ARCH_PROFILES.x86_64));
    expect(m.qemu).toMatchObject({
      machine: 'q35',
      cpu: 'host',
      accelerator: 'kvm',
      memoryMiB: 2048,
      cpus: 2,
    });
    expect(m.userland.libc).toMatch(/^glibc \d+\.\d+/);
    expect(m.commit).toMatch(/^0123/);
    // Through JSON and back: the file a repro reads.
    expect(parseJobManifest(JSON.parse(JSON.stringify(m)), 'job-manifest.json')).toEqual(m);
  });

  it('refuses another schema version and a build path leaving the build folder, saying which', () => {
    const m = jobManifest();
    expect(() => parseJobManifest({ ...m, schemaVersion: 2 }, 'x/job-manifest.json')).toThrow(
      /x\/job-manifest.json: job manifest schemaVersion 2 is not one this bpf-ci reads \(1\)/,
    );
    expect(() =>
      parseJobManifest({ ...m, build: { ...m.build, selftests: '../../home/me' } }, 'm.json'),
    ).toThrow(/m.json: not a valid job manifest: build.selftests: a path inside the build folder/);
    expect(JobManifest.safeParse({ ...m, build: { ...m.build, kernelImage: '/boot/vmlinuz' } }).success).toBe(
      false,
    );
  });

  it('takes the job identity from the variables GitHub sets, and leaves out what is absent', () => {
    const env = {
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'kernel-patches/bpf',
      GITHUB_RUN_ID: '77',
      GITHUB_RUN_ATTEMPT: '2',
      GITHUB_SHA: 'abc',
      GITHUB_WORKFLOW: 'kernel-ci',
    };
    expect(jobIdentity(env, 'llvm-18', 'kernel-x86_64-llvm-18')).toEqual({
      toolchain: 'llvm-18',
      buildArtifact: 'kernel-x86_64-llvm-18',
      commit: 'abc',
      repository: 'kernel-patches/bpf',
      workflow: 'kernel-ci',
      runUrl: 'https://github.com/kernel-patches/bpf/actions/runs/77',
      runAttempt: 2,
    });
    expect(jobIdentity({})).toEqual({});
  });

  it('reads the distribution from os-release and finds the common folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-osrel-'));
    writeFileSync(
      join(dir, 'os-release'),
      'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
    );
    expect(describeUserland(join(dir, 'os-release')).distribution).toBe('Debian GNU/Linux 12 (bookworm)');
    writeFileSync(join(dir, 'os-release'), 'ID=alpine\nVERSION_ID=3.20.1\n');
    expect(describeUserland(join(dir, 'os-release')).distribution).toBe('alpine 3.20.1');
    expect(commonFolder(['/a/b/c', '/a/b/d/e', '/a/b'])).toBe('/a/b');
    expect(commonFolder(['/x/y', '/z'])).toBe('/');
  });
});
