// Threat: a scheduled workflow with write tokens publishes whatever it builds. ci-stats.yml splits
// the privileges per job: only the sync reads the Actions API, only the keep job writes (the data
// branch), only the deploy job can publish to Pages and mint an OIDC token, and that job runs no
// code of its own: just the official deploy action. The build job, which runs npm packages, holds
// a read-only token and installs without install scripts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Job {
  permissions: Record<string, string>;
  steps: Step[];
  environment?: { name: string };
}

const FILE = join(import.meta.dirname, '..', '..', '.github', 'workflows', 'ci-stats.yml');
const workflow = parse(readFileSync(FILE, 'utf8')) as { permissions: object; jobs: Record<string, Job> };
const { jobs } = workflow;

describe('ci-stats.yml privileges', () => {
  it('grants each job its part only', () => {
    expect(workflow.permissions).toEqual({});
    expect(Object.fromEntries(Object.entries(jobs).map(([id, j]) => [id, j.permissions]))).toEqual({
      sync: { contents: 'read', actions: 'read' },
      keep: { contents: 'write' },
      build: { contents: 'read' },
      deploy: { pages: 'write', 'id-token': 'write' },
    });
  });

  it('the deploy job runs nothing but the official deploy action, in the github-pages environment', () => {
    const deploy = jobs['deploy']!;
    expect(deploy.steps.map((s) => s.uses?.split('@')[0])).toEqual(['actions/deploy-pages']);
    expect(deploy.steps.some((s) => s.run)).toBe(false);
    expect(deploy.environment?.name).toBe('github-pages');
  });

  it('the build job installs bpf-ci without install scripts and checks out without credentials', () => {
    const build = jobs['build']!;
    expect(build.steps.find((s) => s.run?.includes('npm ci'))?.run).toContain('--ignore-scripts');
    for (const s of build.steps.filter((x) => x.uses?.startsWith('actions/checkout@')))
      expect(s.with?.['persist-credentials']).toBe(false);
  });

  it('the token reaches the push through env, never a command line or an expression in run:', () => {
    const push = jobs['keep']!.steps.find((s) => s.run?.includes('git'))!;
    expect(push.env?.['TOKEN']).toBe('${{ github.token }}');
    expect(push.run).not.toContain('${{');
    // An extra header, not a URL with the token in it (git prints remote URLs in its errors).
    expect(push.run).not.toMatch(/x-access-token:\$\{?TOKEN\}?@/);
    expect(push.run).toContain('http.extraheader');
  });
});
