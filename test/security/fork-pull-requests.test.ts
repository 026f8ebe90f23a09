// Threat: a pull request chooses where and whether its code runs. A fork's pull request must only
// reach GitHub-hosted runners (github.repository is the BASE repository then: only the head
// repository tells it apart), and no pull request may switch its own tests off: an empty test
// matrix skips the test job, and a skipped job counts as passed for required checks.
// (Reading the config from the base commit is kernel-ci.yml's part: workflow-trust.test.ts.)
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction } from './run-action.ts';

async function workspaceWith(config: string | undefined): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), 'bpf-ci-sec-matrix-'));
  if (config !== undefined) {
    await mkdir(join(workspace, '.github'));
    await writeFile(join(workspace, '.github', 'bpf-ci.yml'), config);
  }
  return workspace;
}

/** The matrix action in kernel-patches/bpf for `event`, from `head` (a pull request's head repository). */
function matrixIn(workspace: string, event: string, head?: string): ReturnType<typeof runAction> {
  return runAction('matrix-generator', workspace, {
    config: '.github/bpf-ci.yml',
    repository: 'kernel-patches/bpf',
    event,
    ...(head ? { 'head-repository': head } : {}),
  });
}

interface Entry {
  name: string;
  arch: string;
  'runs-on': string[];
}

function jobs(outputs: Record<string, string>): Entry[] {
  const build = JSON.parse(outputs['build-matrix'] ?? '{"include":[]}') as { include: Entry[] };
  const test = JSON.parse(outputs['test-matrix'] ?? '{"include":[]}') as { include: Entry[] };
  return [...build.include, ...test.include];
}

describe('fork pull requests', () => {
  it("kernel-patches/bpf's defaults: a fork's pull request gets GitHub-hosted runners only", async () => {
    const workspace = await workspaceWith(undefined);
    const run = await matrixIn(workspace, 'pull_request', 'someone/bpf');
    expect(run.code, run.stderr).toBe(0);
    const all = jobs(run.outputs);
    expect(all.length).toBeGreaterThan(0);
    for (const job of all) {
      expect(job['runs-on'], job.name).toEqual(['ubuntu-24.04']);
      expect(job.arch).toBe('x86_64');
    }
    expect(run.stdout).toContain('a pull request from someone/bpf, a fork of kernel-patches/bpf');
  });

  it('the same pull request from a branch of the repository itself keeps the self-hosted machines', async () => {
    const workspace = await workspaceWith(undefined);
    const run = await matrixIn(workspace, 'pull_request', 'kernel-patches/bpf');
    expect(run.code, run.stderr).toBe(0);
    expect(jobs(run.outputs).some((j) => j['runs-on'].includes('self-hosted'))).toBe(true);
  });

  it('a config sending forks to self-hosted runners is refused at its line', async () => {
    const workspace = await workspaceWith('forks:\n  runs-on: [self-hosted, big]\n');
    const run = await matrixIn(workspace, 'push');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error title=bpf-ci config,file=.github\/bpf-ci.yml,line=2,col=\d+::forks.runs-on names 'self-hosted'/,
    );
    expect(run.outputs).toEqual({});
  });
});

describe('a pull request cannot switch its tests off', () => {
  it('build-only-events: [pull_request] fails the run with a message', async () => {
    const workspace = await workspaceWith('build-only-events: [push, pull_request]\n');
    const run = await matrixIn(workspace, 'pull_request', 'kernel-patches/bpf');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::no test jobs for a pull request: build-only-events lists 'pull_request'/,
    );
    expect(run.outputs).toEqual({});
  });

  it('every test excluded fails the run too; a push may still only build', async () => {
    const config =
      'arches: [x86_64]\nexclude:\n  - {arch: x86_64, test: test_progs}\ntests:\n  default: [test_progs]\n';
    const workspace = await workspaceWith(config);
    const pr = await matrixIn(workspace, 'pull_request');
    expect(pr.code).toBe(1);
    expect(pr.stdout).toContain(
      '::error::no test jobs for a pull request: the config gives this pull request no test job',
    );
    const push = await matrixIn(workspace, 'push');
    expect(push.code).toBe(0);
  });
});
