// What a repro reruns and how the comparison reads: pure, from a job's plan and results.
import { describe, expect, it } from 'vitest';
import { newBinaryResult, newRun, newTestCase } from '@bpf-ci/model';
import {
  buildReproPlan,
  compareRuns,
  isUrl,
  parseActionsUrl,
  renderComparison,
  testJobArtifacts,
} from '@bpf-ci/repro';
import { JOB_PLAN, jobRun } from './fixtures.ts';

describe('GitHub Actions URLs', () => {
  it('reads job, run and attempt URLs', () => {
    expect(parseActionsUrl('https://github.com/kernel-patches/bpf/actions/runs/123/job/456')).toEqual({
      owner: 'kernel-patches',
      repo: 'bpf',
      runId: 123,
      jobId: 456,
    });
    expect(parseActionsUrl('https://github.com/o/r.git-x/actions/runs/9/attempts/2/')).toEqual({
      owner: 'o',
      repo: 'r.git-x',
      runId: 9,
      attempt: 2,
    });
    expect(isUrl('HTTPS://x')).toBe(true);
    expect(isUrl('./artifacts')).toBe(false);
  });

  it('says what URL to give for anything else', () => {
    expect(() => parseActionsUrl('https://github.com/o/r/pull/5')).toThrow(
      /is not a GitHub Actions job or run URL: open the failed job in GitHub and copy its address/,
    );
    expect(() => parseActionsUrl('github.com/o/r')).toThrow(/is not a URL/);
  });

  it("derives a test job's artifacts from its name, and nothing from another job's", () => {
    expect(testJobArtifacts('test_progs_no_alu32 on aarch64 with llvm-18', 2)).toEqual({
      test: 'test_progs_no_alu32',
      arch: 'aarch64',
      toolchain: 'llvm-18',
      resultsArtifact: 'results-test_progs_no_alu32-aarch64-llvm-18-attempt-2',
      buildArtifact: 'kernel-aarch64-llvm-18',
    });
    expect(testJobArtifacts('build for x86_64 with gcc', 1)).toBeUndefined();
    expect(testJobArtifacts('lint', 1)).toBeUndefined();
  });
});

describe('repro plan', () => {
  it('reruns exactly the failed tests with the same flags and timeout, without retries', () => {
    const { plan, reruns } = buildReproPlan(JOB_PLAN, jobRun(), { kind: 'failed' }, 1, '/b/selftests');
    expect(plan.cwd).toBe('/b/selftests');
    expect(plan.retry).toBeUndefined();
    expect(plan.runners).toHaveLength(1);
    expect(plan.runners[0]).toMatchObject({
      name: 'test_progs',
      argv: [
        './test_progs',
        '-a',
        'test_lsm/lsm_basic,map_kptr',
        '-w',
        '60',
        '-J',
        '/tmp/.bpf-ci/test_progs.json',
      ],
      listArgv: ['./test_progs', '-a', 'test_lsm/lsm_basic,map_kptr', '-l'],
      timeoutSec: 1800,
    });
    // The job's list entries give way to the failures, so the accounting names what was asked.
    expect(plan.runners[0]!.selection).toEqual([
      { list: 'allow', entry: 'test_lsm/lsm_basic', source: "the job's failures" },
      { list: 'allow', entry: 'map_kptr', source: "the job's failures" },
    ]);
    expect(reruns).toEqual([
      { runner: 'test_progs', keys: ['test_lsm/lsm_basic', 'map_kptr'], planNames: ['test_progs'] },
    ]);
  });

  it('--attempts N runs N copies in one boot, each with its own name and JSON summary', () => {
    const { plan, reruns } = buildReproPlan(
      JOB_PLAN,
      jobRun(),
      { kind: 'test', name: 'test_lsm' },
      3,
      '/b/s',
    );
    expect(plan.runners.map((r) => r.name)).toEqual([
      'test_progs.run-1',
      'test_progs.run-2',
      'test_progs.run-3',
    ]);
    expect(plan.runners.map((r) => r.jsonSummaryPath)).toEqual([
      '/tmp/.bpf-ci/test_progs.run-1.json',
      '/tmp/.bpf-ci/test_progs.run-2.json',
      '/tmp/.bpf-ci/test_progs.run-3.json',
    ]);
    expect(plan.runners[2]!.argv).toEqual([
      './test_progs',
      '-a',
      'test_lsm',
      '-w',
      '60',
      '-J',
      '/tmp/.bpf-ci/test_progs.run-3.json',
    ]);
    expect(reruns[0]!.keys).toEqual(['test_lsm']);
  });

  it('--all keeps every runner as the job ran it; a passed job has nothing to rerun by default', () => {
    const all = buildReproPlan(JOB_PLAN, jobRun(), { kind: 'all' }, 1, '/b/s');
    expect(all.plan.runners.map((r) => r.argv)).toEqual(JOB_PLAN.runners.map((r) => r.argv));
    expect(() => buildReproPlan(JOB_PLAN, jobRun(false), { kind: 'failed' }, 1, '/b/s')).toThrow(
      /no failed test to rerun .* use --all/,
    );
  });
});

describe('comparison', () => {
  it("puts the job's verdict beside each local attempt's and says where they differ", () => {
    const { reruns } = buildReproPlan(JOB_PLAN, jobRun(), { kind: 'failed' }, 2, '/b/s');
    const local = (name: string, lsm: 'fail' | 'pass', kptr: 'fail' | 'pass') =>
      newBinaryResult('test_progs', {
        variant: name,
        tests: [
          newTestCase('test_lsm', lsm, { subtests: [newTestCase('lsm_basic', lsm)] }),
          newTestCase('map_kptr', kptr),
        ],
      });
    const run = newRun({}, [
      local('test_progs.run-1', 'fail', 'pass'),
      local('test_progs.run-2', 'fail', 'fail'),
    ]);
    const rows = compareRuns(jobRun(), run, reruns);
    expect(rows).toEqual([
      { runner: 'test_progs', test: 'test_lsm/lsm_basic', job: 'fail', local: ['fail', 'fail'] },
      { runner: 'test_progs', test: 'map_kptr', job: 'fail', local: ['pass', 'fail'] },
    ]);
    const table = renderComparison(rows).split('\n');
    expect(table[0]).toMatch(/^runner\s+test\s+job\s+local \(2 attempts\)$/);
    expect(table[1]).toMatch(/^test_progs\s+test_lsm\/lsm_basic\s+fail\s+2\/2 failed\s+same$/);
    expect(table[2]).toMatch(/^test_progs\s+map_kptr\s+fail\s+1\/2 failed\s+DIFFERENT$/);
  });
});
