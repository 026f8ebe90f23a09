// The matrix-generator bundle, run the way the runner runs it (test/helpers/action-harness.ts):
// inputs in INPUT_* variables, outputs appended to $GITHUB_OUTPUT, workflow commands on stdout.
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundle, runBundle } from '../../helpers/action-harness.ts';

async function runAction(workspace: string, inputs: Record<string, string>) {
  const { code, stdout, outputs } = await runBundle('matrix-generator', inputs, { cwd: workspace });
  return { code, stdout, outputs };
}

// Building the bundle (once per source state) takes longer than one test may.
beforeAll(() => bundle('matrix-generator'), 300_000);

describe('the matrix-generator action', () => {
  it('writes build-matrix, test-matrix and veristat-matrix for strategy.matrix', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'bpf-ci-action-'));
    await mkdir(join(workspace, '.github'));
    await writeFile(
      join(workspace, '.github', 'bpf-ci.yml'),
      'arches: [x86_64, s390x]\ntoolchains: [gcc-15]\ntests:\n  default: [test_maps, test_verifier]\nparallel: {on: []}\n',
    );
    const { code, stdout, outputs } = await runAction(workspace, {
      config: '.github/bpf-ci.yml',
      repository: 'kernel-patches/bpf',
      // A branch of the repository itself (the default is the expression GitHub fills in).
      'head-repository': 'kernel-patches/bpf',
      event: 'pull_request',
    });
    expect(code).toBe(0);
    expect(Object.keys(outputs).sort()).toEqual(['build-matrix', 'test-matrix', 'veristat-matrix']);
    const build = JSON.parse(outputs['build-matrix']!) as { include: { name: string }[] };
    const test = JSON.parse(outputs['test-matrix']!) as { include: { name: string }[] };
    expect(build.include.map((b) => b.name)).toEqual([
      'build for x86_64 with gcc-15',
      'build for s390x with gcc-15',
    ]);
    expect(test.include.map((t) => t.name)).toEqual([
      'test_maps on x86_64 with gcc-15',
      'test_verifier on x86_64 with gcc-15',
      'test_verifier on s390x with gcc-15',
    ]);
    expect(stdout).toContain('3 test jobs:\n');
    // The default veristat.on (x86_64 gcc) selects one of the two builds.
    const veristat = JSON.parse(outputs['veristat-matrix']!) as { include: { name: string }[] };
    expect(veristat.include.map((v) => v.name)).toEqual(['veristat on x86_64 with gcc-15']);
    expect(stdout).toContain('1 veristat jobs:\n  veristat on x86_64 with gcc-15');
  });

  it('fails with an annotation at the line and column of each problem', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'bpf-ci-action-'));
    await writeFile(join(workspace, 'ci.yml'), 'arches: [x86_64]\ntoolchain: [gcc-15]\n');
    const { code, stdout, outputs } = await runAction(workspace, {
      config: 'ci.yml',
      repository: 'a/b',
      event: 'push',
    });
    expect(code).toBe(1);
    expect(outputs).toEqual({});
    expect(stdout).toContain(
      "::error title=bpf-ci config,file=ci.yml,line=2,col=1::unknown key 'toolchain'%0Aexpected: one of arches, toolchains,",
    );
    expect(stdout).toContain("%0Afix: did you mean 'toolchains'?");
  });

  it('a missing config file at an explicit path is an error, not the defaults', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'bpf-ci-action-'));
    const { code, stdout, outputs } = await runAction(workspace, {
      config: 'ci/bpf-ci.yml',
      repository: 'a/b',
      event: 'push',
    });
    expect(code).toBe(1);
    expect(outputs).toEqual({});
    expect(stdout).toBe(
      '::error::ci/bpf-ci.yml: no such file (without a file, leave the config at .github/bpf-ci.yml to get the defaults)\n',
    );
  });
});
