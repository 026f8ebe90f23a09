// kernel-ci.yml against what it wires together: the inputs each action declares, the keys the
// matrix generator puts in each matrix entry, the outputs and inputs it refers to.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateMatrix, parseConfig } from '@bpf-ci/matrix';
import { ROOT, read } from './files.ts';

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  name?: string;
  outputs?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  on: { workflow_call: { inputs: Record<string, unknown> } };
  jobs: Record<string, Job>;
}

const workflow = parse(read(join(ROOT, '.github/workflows/kernel-ci.yml'))) as Workflow;

interface Declared {
  inputs: Record<string, { required?: boolean; default?: unknown } | null>;
  outputs: string[];
}

function declared(action: string): Declared {
  // A missing action.yml fails here: the workflow uses an action that does not exist.
  const yml = parse(read(join(ROOT, 'actions', action, 'action.yml'))) as {
    inputs?: Declared['inputs'];
    outputs?: Record<string, unknown>;
  };
  return { inputs: yml.inputs ?? {}, outputs: Object.keys(yml.outputs ?? {}) };
}

const referenced = (value: unknown, context: string): string[] =>
  [...JSON.stringify(value).matchAll(new RegExp(`(?<![\\w.-])${context}\\.([A-Za-z0-9_-]+)`, 'g'))].map(
    (m) => m[1]!,
  );

describe('kernel-ci.yml', () => {
  const ownActions = Object.values(workflow.jobs).flatMap((job) =>
    (job.steps ?? []).filter((s) => s.uses?.startsWith('./.bpf-ci/actions/')),
  );

  it('runs the matrix generator, kernel build, vmtest runner and result parser from bpf-ci itself', () => {
    expect(ownActions.map((s) => s.uses)).toEqual([
      './.bpf-ci/actions/matrix-generator',
      './.bpf-ci/actions/kernel-build',
      './.bpf-ci/actions/vmtest-runner',
      './.bpf-ci/actions/result-parser',
    ]);
  });

  it.each(ownActions.map((s) => [s.uses!.split('/').at(-1)!, s]))(
    'passes %s only inputs it declares, and every required one',
    (action, step) => {
      const { inputs } = declared(action);
      const given = Object.keys(step.with ?? {});
      expect(given.filter((i) => !(i in inputs))).toEqual([]);
      const required = Object.entries(inputs).filter(
        ([, spec]) => spec?.required === true && spec.default === undefined,
      );
      expect(required.map(([name]) => name).filter((name) => !given.includes(name))).toEqual([]);
    },
  );

  it('uses only matrix keys that the generator produces, and names jobs after the entry', () => {
    const m = generateMatrix(parseConfig(''), { repository: 'kernel-patches/bpf' });
    const keys = { build: Object.keys(m.build.include[0]!), test: Object.keys(m.test.include[0]!) };
    for (const id of ['build', 'test'] as const) {
      const job = workflow.jobs[id]!;
      expect(job.name).toBe('${{ matrix.name }}');
      const used = referenced(job, 'matrix');
      expect(used.length).toBeGreaterThan(3);
      expect(used.filter((k) => !keys[id].includes(k))).toEqual([]);
    }
  });

  it("takes the matrices from the generator's outputs, and only inputs it declares", () => {
    const matrixJob = workflow.jobs['matrix']!;
    const generatorOutputs = declared('matrix-generator').outputs;
    expect(generatorOutputs.sort()).toEqual(['build-matrix', 'test-matrix']);
    expect(
      referenced(matrixJob.outputs, 'steps\\.matrix\\.outputs').filter((o) => !generatorOutputs.includes(o)),
    ).toEqual([]);
    expect(
      referenced(workflow.jobs, 'needs\\.matrix\\.outputs').filter((o) => !(o in matrixJob.outputs!)),
    ).toEqual([]);
    const inputs = Object.keys(workflow.on.workflow_call.inputs);
    expect(referenced(workflow.jobs, 'inputs').filter((i) => !inputs.includes(i))).toEqual([]);
  });
});
