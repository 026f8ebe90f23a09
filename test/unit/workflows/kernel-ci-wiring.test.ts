// kernel-ci.yml against what it wires together: the inputs each action declares, the keys the
// matrix generator puts in each matrix entry, the outputs and inputs it refers to.
import { execFileSync } from 'node:child_process';
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

  it('runs the matrix generator, kernel build, vmtest runner, result parser, coverage report, veristat-diff and run report from bpf-ci itself', () => {
    expect(ownActions.map((s) => s.uses)).toEqual([
      './.bpf-ci/actions/matrix-generator',
      './.bpf-ci/actions/kernel-build',
      './.bpf-ci/actions/vmtest-runner',
      './.bpf-ci/actions/result-parser',
      './.bpf-ci/actions/coverage-report',
      './.bpf-ci/actions/vmtest-runner',
      './.bpf-ci/actions/veristat-diff',
      './.bpf-ci/actions/run-report',
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
    // With the coverage leg: its entries carry the coverage keys the other entries lack.
    const m = generateMatrix(parseConfig('coverage: {patch-threshold: 80}\n'), {
      repository: 'kernel-patches/bpf',
    });
    const keysOf = (entries: object[]): string[] => [...new Set(entries.flatMap((e) => Object.keys(e)))];
    const keys = {
      build: keysOf(m.build.include),
      test: keysOf(m.test.include),
      veristat: keysOf(m.veristat.include),
    };
    expect(keys.build).toContain('coverage');
    expect(keys.test).toContain('coverage-per-runner');
    for (const id of ['build', 'test', 'veristat'] as const) {
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
    expect(generatorOutputs.sort()).toEqual(['build-matrix', 'test-matrix', 'veristat-matrix']);
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

describe('kernel-ci.yml: one results path', () => {
  const steps = workflow.jobs['test']!.steps ?? [];
  const runner = steps.find((s) => s.uses?.endsWith('/vmtest-runner'));
  const parser = steps.find((s) => s.uses?.endsWith('/result-parser'));
  const uploads = steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@'));

  it("result-parser reads the vmtest-runner's results.json, not the raw logs again", () => {
    expect(parser?.with?.['results']).toBe(`${String(runner?.with?.['output-dir'])}/results.json`);
    expect(parser?.with?.['logs']).toBeUndefined();
  });

  it('every results upload is named by its run attempt, and holds one results.json', () => {
    const results = uploads.filter((u) => String(u.with?.['name']).includes('results-artifact'));
    expect(results).toHaveLength(1);
    for (const u of results) {
      expect(u.with?.['name']).toMatch(/-attempt-\$\{\{ github\.run_attempt \}\}$/);
      const paths = String(u.with?.['path']).trim().split('\n');
      expect(paths).toContain(`!${String(runner?.with?.['output-dir'])}/results.json`);
      expect(paths).toContain(String(parser?.with?.['output-dir']));
    }
  });
});

describe('kernel-ci.yml: veristat against the base branch baseline', () => {
  const job = workflow.jobs['veristat']! as Job & { needs?: string[]; if?: string };
  const steps = job.steps ?? [];
  const step = (prefix: string) => steps.filter((s) => s.uses?.startsWith(prefix));
  const cacheWith = (prefix: string) => {
    const [s] = step(prefix);
    return s?.with as { path?: string; key?: string; 'restore-keys'?: string } | undefined;
  };

  it('is a job of its own after the builds, and the run report waits for it', () => {
    expect(job.needs).toEqual(['matrix', 'build']);
    expect(job.if).toContain('needs.matrix.outputs.veristat-matrix');
    const report = workflow.jobs['report'] as Job & { needs?: string[] };
    expect(report.needs).toContain('veristat');
  });

  it("runs the build's veristat in the VM through a script in the guest's output folder", async () => {
    const { GUEST_OUTPUT_DIR, parseRunnerSpec, runnerLines } = await import('@bpf-ci/vm');
    const runner = steps.find((s) => s.uses?.endsWith('/vmtest-runner'))!;
    const outputDir = String(runner.with?.['output-dir']);
    // The script the runner names is the one the step before wrote into the output folder.
    expect(runner.with?.['runners']).toBe(`veristat: sh ${GUEST_OUTPUT_DIR}/run-veristat.sh`);
    const script = (steps as { run?: string }[]).find((s) => s.run?.includes('run-veristat.sh'))!.run!;
    expect(script).toContain('"$RUNNER_TEMP/veristat/run-veristat.sh"');
    expect(outputDir).toBe('${{ runner.temp }}/veristat');
    expect(script).toContain('./veristat -o csv');
    // The runner line is a command runner the vmtest-runner takes, and the script is valid sh.
    expect(runnerLines(String(runner.with?.['runners'])).map(parseRunnerSpec)).toEqual([
      { name: 'veristat', kind: 'command', command: ['sh', `${GUEST_OUTPUT_DIR}/run-veristat.sh`] },
    ]);
    const body = /<<'EOF'\n([\s\S]*?)\nEOF\n/.exec(script)?.[1];
    expect(body).toContain('exec ./veristat');
    execFileSync('sh', ['-n', '-c', body!]);
    const diff = steps.find((s) => s.uses?.endsWith('/veristat-diff'))!;
    expect(diff.with?.['new']).toBe(`${outputDir}/veristat.csv`);
    expect(String(diff.with?.['base'])).toBe(`${cacheWith('actions/cache/restore@')?.path}/veristat.csv`);
  });

  it('stores the baseline on pushes and restores the base commit’s on pull requests, with the same path and key prefix', () => {
    const save = cacheWith('actions/cache/save@')!;
    const restore = cacheWith('actions/cache/restore@')!;
    expect(save.path).toBe(restore.path);
    expect(save.key).toBe('${{ matrix.baseline-key }}-${{ github.ref_name }}-${{ github.sha }}');
    expect(restore.key).toBe(
      '${{ matrix.baseline-key }}-${{ github.base_ref }}-${{ github.event.pull_request.base.sha }}',
    );
    // Never a bare prefix (the branch's newest baseline): the exact keys of the base commit's ancestors.
    expect(restore['restore-keys']).toBe('${{ steps.ancestors.outputs.restore-keys }}');
    const ids = (steps as { id?: string }[]).map((s) => s.id);
    expect(ids.indexOf('ancestors')).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf('ancestors')).toBeLessThan(ids.indexOf('baseline'));
    const ifOf = (prefix: string) => (step(prefix)[0] as { if?: string }).if;
    expect(ifOf('actions/cache/save@')).toBe("${{ github.event_name == 'push' }}");
    expect(ifOf('actions/cache/restore@')).toBe("${{ github.event_name == 'pull_request' }}");
    expect((steps as { id?: string; if?: string }[]).find((s) => s.id === 'ancestors')?.if).toBe(
      "${{ github.event_name == 'pull_request' }}",
    );
  });
});

describe('kernel-ci.yml: the config’s flaky keys reach the vmtest-runner', () => {
  const runner = (workflow.jobs['test']!.steps ?? []).find((s) => s.uses?.endsWith('/vmtest-runner'))!;

  it.each(['retries', 'retry-budget-minutes', 'max-failures', 'fail-on-flaky', 'denylist-pass-minutes'])(
    '%s comes from the test entry',
    (key) => {
      expect(runner.with?.[key]).toBe(`\${{ matrix.${key} }}`);
    },
  );

  it("the quarantine file is the config's when it names one, else the workflow input's", () => {
    expect(runner.with?.['quarantine-file']).toBe(
      '.bpf-ci-base/${{ matrix.quarantine-file || inputs.quarantine }}',
    );
  });
});

describe('kernel-ci.yml: the coverage leg', () => {
  type FullStep = Step & { id?: string; if?: string; run?: string; name?: string };
  const buildSteps = (workflow.jobs['build']!.steps ?? []) as FullStep[];
  const testSteps = (workflow.jobs['test']!.steps ?? []) as FullStep[];
  const index = (predicate: (s: FullStep) => boolean): number => testSteps.findIndex(predicate);
  const runner = testSteps.find((s) => s.uses?.endsWith('/vmtest-runner'))!;
  const parser = testSteps.find((s) => s.uses?.endsWith('/result-parser'))!;
  const coverage = testSteps.find((s) => s.uses?.endsWith('/coverage-report'))!;
  const download = testSteps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
  const coverageOnly = testSteps.filter((s) => s.if?.includes('matrix.coverage'));

  it('builds the coverage entries with GCOV of their directories, under cache keys no plain build shares', () => {
    const build = buildSteps.find((s) => s.uses?.endsWith('/kernel-build'))!;
    expect(build.with?.['coverage']).toBe('${{ matrix.coverage }}');
    const cache = buildSteps.find((s) => s.uses?.startsWith('actions/cache/restore@'))!.with as {
      key: string;
      'restore-keys': string;
    };
    const prefix = "${{ matrix.coverage && 'kbuild-gcov' || 'kbuild' }}-${{ matrix.arch }}-";
    expect(cache.key.startsWith(prefix)).toBe(true);
    expect(cache['restore-keys'].trim().startsWith(prefix)).toBe(true);
    // Evaluated both ways, neither restore prefix is a prefix of the other's keys.
    const [gcov, plain] = ['kbuild-gcov-x86_64-gcc-', 'kbuild-x86_64-gcc-'];
    expect(gcov.startsWith(plain) || plain.startsWith(gcov)).toBe(false);
  });

  it("captures in the coverage job's VM with the mode the config asks for", async () => {
    expect(runner.with?.['coverage']).toBe(
      "${{ matrix.coverage && (matrix.coverage-per-runner && 'per-runner' || 'true') || '' }}",
    );
    // Both values (and empty) are what the vmtest-runner takes.
    const { Inputs } = await import('../../../actions/vmtest-runner/src/inputs.ts');
    for (const value of ['per-runner', 'true', ''])
      expect(Inputs.shape.coverage.safeParse(value).success, value).toBe(true);
  });

  it("reports from the runner's counters and the artifact's notes into result-parser's results.json, then uploads", async () => {
    const { gcovOutputDir } = await import('@bpf-ci/vm');
    expect(`${String(coverage.with?.['gcov-dir'])}/all`).toBe(
      `${String(runner.with?.['output-dir'])}/${gcovOutputDir()}`,
    );
    expect(coverage.with?.['artifact-dir']).toBe(download.with?.['path']);
    expect(coverage.with?.['results']).toBe(`${String(parser.with?.['output-dir'])}/results.json`);
    const checkout = coverageOnly.find((s) => s.uses?.startsWith('actions/checkout@'))!;
    expect(coverage.with?.['source-dir']).toBe(checkout.with?.['path']);
    expect(checkout.with?.['sparse-checkout']).toBe('${{ matrix.coverage }}');
    expect(checkout.with?.['persist-credentials']).toBe(false);
    // Patch coverage of a pull request: its merge commit and the base branch's tip, both fetched.
    expect(checkout.with?.['fetch-depth']).toBe(2);
    expect(coverage.with?.['base']).toBe("${{ github.event_name == 'pull_request' && 'HEAD^1' || '' }}");
    expect(coverage.with?.['head']).toBe("${{ github.event_name == 'pull_request' && 'HEAD' || '' }}");
    // The config's patch-threshold, as the matrix generator names it on the coverage job.
    expect(coverage.with?.['patch-threshold']).toBe('${{ matrix.coverage-patch-threshold }}');
    // After result-parser wrote results.json, before the results upload takes it.
    const resultsUpload = index((s) => String(s.with?.['name']).includes('results-artifact'));
    expect(index((s) => s === parser)).toBeLessThan(index((s) => s === coverage));
    expect(index((s) => s === coverage)).toBeLessThan(resultsUpload);
    const upload = coverageOnly.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with?.['path']).toBe(coverage.with?.['output-dir']);
    expect(upload.with?.['name']).toMatch(/-attempt-\$\{\{ github\.run_attempt \}\}$/);
    // The run report downloads results-* only: the HTML stays out of its bundle.
    const reportDownload = (workflow.jobs['report']!.steps ?? []).find((s) =>
      s.uses?.startsWith('actions/download-artifact@'),
    )!;
    expect(String(reportDownload.with?.['pattern'])).toBe('results-*');
    expect(String(upload.with?.['name']).startsWith('results-')).toBe(false);
  });

  it('runs its steps only in the coverage job, and even when a test failed', () => {
    expect(coverageOnly.map((s) => s.name)).toEqual([
      'Check out the profiled sources (coverage)',
      'Install lcov (coverage)',
      'Report the coverage',
      'Upload the coverage report (tracefiles and HTML)',
    ]);
    for (const s of coverageOnly) expect(s.if).toBe('${{ !cancelled() && matrix.coverage }}');
    const install = coverageOnly.find((s) => s.run)!.run!;
    execFileSync('sh', ['-n', '-c', install]);
    expect(install).toContain('apt-get install -y -qq --no-install-recommends lcov');
  });
});
