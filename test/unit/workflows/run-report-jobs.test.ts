// The run report jobs: kernel-ci.yml's report needs every test job and runs whatever they did, and
// uploads one bundle artifact per run attempt; run-report-deliver.yml's job, which a caller opts in
// to, is the only one that may write to pull requests; secrets reach steps only through env:.
// Each rule is a function over the parsed YAML and is shown to catch a violation.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, read } from './files.ts';
import { workflowProblems } from './security-rules.ts';

interface Step {
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  jobs: Record<string, Job>;
}

const text = read(join(ROOT, '.github/workflows/kernel-ci.yml'));
const workflow = parse(text) as Workflow;
const deliverText = read(join(ROOT, '.github/workflows/run-report-deliver.yml'));
const deliverWorkflow = parse(deliverText) as Workflow & {
  on: { workflow_call: { inputs: Record<string, unknown>; secrets: Record<string, unknown> } };
};

/** Jobs granted pull-requests: write. */
function pullRequestWriters(w: Workflow): string[] {
  return Object.entries(w.jobs)
    .filter(([, job]) => job.permissions?.['pull-requests'] === 'write')
    .map(([id]) => id);
}

/** Places a `secrets.` expression appears outside a step's env: map (job.step.key paths). */
function secretsOutsideEnv(w: Workflow): string[] {
  const out: string[] = [];
  const visit = (value: unknown, path: string[]): void => {
    if (typeof value === 'string') {
      if (/\bsecrets\./.test(value) && !(path.at(-2) === 'env' && path.includes('steps')))
        out.push(path.join('.'));
    } else if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...path, String(i)]));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) visit(v, [...path, k]);
  };
  visit(w.jobs, ['jobs']);
  return out;
}

const needs = (job: Job): string[] => (Array.isArray(job.needs) ? job.needs : job.needs ? [job.needs] : []);

describe('kernel-ci.yml run report jobs', () => {
  it('passes the security walk', () => {
    expect(workflowProblems(text)).toEqual([]);
    expect(workflowProblems(deliverText)).toEqual([]);
  });

  it('runs the report after every test and veristat job, whatever they did', () => {
    const report = workflow.jobs['report']!;
    const testJobs = Object.keys(workflow.jobs).filter((id) => /^(test|veristat)/.test(id));
    expect(testJobs.length).toBeGreaterThan(0);
    expect(testJobs.filter((id) => !needs(report).includes(id))).toEqual([]);
    expect(report.if).toMatch(/\balways\(\)/);
    const download = report.steps!.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    expect(download.with?.['pattern']).toBe('results-*');
  });

  it('uploads one results bundle per run attempt, under the name the stats collector downloads', () => {
    const uploads = workflow.jobs['report']!.steps!.filter((s) =>
      s.uses?.startsWith('actions/upload-artifact@'),
    );
    const bundle = uploads.find((s) => String(s.with?.['name']).startsWith('bpf-ci-results-bundle-'))!;
    expect(bundle.with?.['name']).toBe('bpf-ci-results-bundle-attempt-${{ github.run_attempt }}');
    expect(String(bundle.with?.['path'])).toMatch(/results\.json$/);
    const deliver = deliverWorkflow.jobs['deliver']!;
    expect(deliver.steps!.some((s) => s.with?.['name'] === bundle.with?.['name'])).toBe(true);
  });

  it('lets only the opt-in delivery job write to pull requests; kernel-ci.yml stays read-only', () => {
    expect(pullRequestWriters(workflow)).toEqual([]);
    // The examples grant kernel-ci.yml contents: read; a job asking for more would fail the run.
    for (const job of Object.values(workflow.jobs))
      expect(
        Object.entries(job.permissions ?? {}).filter(([k, v]) => k !== 'contents' || v !== 'read'),
      ).toEqual([]);
    expect(pullRequestWriters(deliverWorkflow)).toEqual(['deliver']);
    const broken = parse(text) as Workflow;
    broken.jobs['report']!.permissions = { 'pull-requests': 'write' };
    expect(pullRequestWriters(broken)).toEqual(['report']);
  });

  it('gives the delivery workflow what kernel-ci.yml outputs', () => {
    const outputs = (parse(text) as { on: { workflow_call: { outputs: Record<string, { value: string }> } } })
      .on.workflow_call.outputs;
    expect(outputs['test-matrix']?.value).toBe('${{ jobs.matrix.outputs.test-matrix }}');
    expect(Object.keys(deliverWorkflow.on.workflow_call.inputs)).toContain('test-matrix');
    expect(Object.keys(deliverWorkflow.on.workflow_call.secrets).sort()).toEqual([
      'PATCHWORK_TOKEN',
      'SMTP_PASSWORD',
    ]);
  });

  it('passes secrets and the token to steps only through env:', () => {
    expect(secretsOutsideEnv(workflow)).toEqual([]);
    expect(secretsOutsideEnv(deliverWorkflow)).toEqual([]);
    const deliverEnv = deliverWorkflow.jobs['deliver']!.steps!.flatMap((s) => Object.keys(s.env ?? {}));
    expect(deliverEnv).toEqual(expect.arrayContaining(['GITHUB_TOKEN', 'SMTP_PASSWORD', 'PATCHWORK_TOKEN']));
    const broken = parse(deliverText) as Workflow;
    const step = broken.jobs['deliver']!.steps!.find((s) => s.uses?.includes('run-report'))!;
    step.with = { ...step.with, 'smtp-password': '${{ secrets.SMTP_PASSWORD }}' };
    expect(secretsOutsideEnv(broken)).toEqual([
      expect.stringMatching(/^jobs\.deliver\.steps\.\d+\.with\.smtp-password$/),
    ]);
  });

  it('passes the run-report action only inputs it declares, and refers only to declared inputs', () => {
    const declared = Object.keys(
      (parse(read(join(ROOT, 'actions/run-report/action.yml'))) as { inputs: Record<string, unknown> })
        .inputs,
    );
    const steps = [...workflow.jobs['report']!.steps!, ...deliverWorkflow.jobs['deliver']!.steps!].filter(
      (s) => s.uses?.endsWith('/actions/run-report'),
    );
    expect(steps).toHaveLength(2);
    for (const step of steps)
      expect(Object.keys(step.with ?? {}).filter((k) => !declared.includes(k))).toEqual([]);
    const used = [...JSON.stringify(deliverWorkflow.jobs).matchAll(/\binputs\.([A-Za-z0-9_-]+)/g)].map(
      (m) => m[1]!,
    );
    const inputs = Object.keys(deliverWorkflow.on.workflow_call.inputs);
    expect(used.filter((i) => !inputs.includes(i))).toEqual([]);
  });
});
