// The config's `flaky` and `veristat` keys: their defaults, their checks, and the matrix entries
// that carry them to the vmtest-runner and the veristat jobs.
import { describe, expect, it } from 'vitest';
import { FLAKY_DEFAULTS, generateMatrix, parseConfig, type Matrix } from '@bpf-ci/matrix';
import { issuesOf } from './issues.ts';

const REPO = 'kernel-patches/bpf';
const matrixFor = (text: string, event: string): Matrix =>
  generateMatrix(parseConfig(text), { repository: REPO, event });

/** Every test entry's flaky keys, which must be the same across entries. */
function flakyKeys(m: Matrix) {
  const keys = m.test.include.map((t) => ({
    retries: t.retries,
    'retry-budget-minutes': t['retry-budget-minutes'],
    'max-failures': t['max-failures'],
    'fail-on-flaky': t['fail-on-flaky'],
    'denylist-pass-minutes': t['denylist-pass-minutes'],
    'quarantine-file': t['quarantine-file'],
  }));
  expect(keys.length).toBeGreaterThan(0);
  for (const k of keys) expect(k).toEqual(keys[0]);
  return keys[0]!;
}

// Pushes only build by default; a config that tests on pushes lists no build-only event.
const TESTED_PUSHES = 'build-only-events: []\n';

describe('flaky: retries, circuit breaker, quarantine and the DENYLIST pass', () => {
  it('defaults: one retry, a minute of budget, at most 10 failures, flaky is not a failure, no DENYLIST pass on pull requests', () => {
    expect(flakyKeys(matrixFor('', 'pull_request'))).toEqual({
      retries: 1,
      'retry-budget-minutes': 1,
      'max-failures': 10,
      'fail-on-flaky': false,
      'denylist-pass-minutes': 0,
      'quarantine-file': '',
    });
  });

  it('the DENYLIST pass is on by default for base-branch pushes and scheduled runs', () => {
    const minutes = FLAKY_DEFAULTS.denylistPass.minutes;
    expect(minutes).toBeGreaterThan(0);
    expect(flakyKeys(matrixFor(TESTED_PUSHES, 'push'))['denylist-pass-minutes']).toBe(minutes);
    expect(flakyKeys(matrixFor('', 'schedule'))['denylist-pass-minutes']).toBe(minutes);
    expect(flakyKeys(matrixFor('', 'workflow_dispatch'))['denylist-pass-minutes']).toBe(0);
  });

  it('every key is taken from the config', () => {
    const text =
      'flaky:\n  retries: 2\n  retry-budget-minutes: 5\n  max-failures: 3\n  fail-on-flaky: true\n' +
      '  quarantine: ci/quarantine.yml\n  denylist-pass:\n    minutes: 4\n    events: [pull_request]\n';
    expect(flakyKeys(matrixFor(text, 'pull_request'))).toEqual({
      retries: 2,
      'retry-budget-minutes': 5,
      'max-failures': 3,
      'fail-on-flaky': true,
      'denylist-pass-minutes': 4,
      'quarantine-file': 'ci/quarantine.yml',
    });
    // The events listed replace the default ones.
    expect(flakyKeys(matrixFor(`${text}${TESTED_PUSHES}`, 'push'))['denylist-pass-minutes']).toBe(0);
  });

  it('minutes: 0 turns the DENYLIST pass off', () => {
    const text = `${TESTED_PUSHES}flaky:\n  denylist-pass: { minutes: 0 }\n`;
    expect(flakyKeys(matrixFor(text, 'push'))['denylist-pass-minutes']).toBe(0);
  });

  it('a typo, a value out of range and a quarantine path outside the checkout are errors at their line', () => {
    expect(issuesOf('flaky:\n  retry: 2\n')).toEqual([
      expect.objectContaining({
        line: 2,
        message: "unknown key 'retry' in flaky",
        expected:
          'one of retries, retry-budget-minutes, max-failures, fail-on-flaky, quarantine, denylist-pass',
      }),
    ]);
    expect(issuesOf('flaky:\n  retries: 9\n')).toEqual([expect.objectContaining({ line: 2 })]);
    expect(issuesOf('flaky:\n  fail-on-flaky: yes please\n')).toEqual([expect.objectContaining({ line: 2 })]);
    expect(issuesOf('flaky:\n  quarantine: ../q.yml\n')).toEqual([
      expect.objectContaining({ line: 2, message: "'../q.yml' climbs out of the checkout with .." }),
    ]);
  });
});

describe('veristat: one job per selected build, also where only builds run', () => {
  it('the default selects x86_64 gcc, on the test runners of its arch, with the baselines keyed by variant', () => {
    const m = matrixFor('', 'pull_request');
    expect(m.veristat.include).toEqual([
      {
        name: 'veristat on x86_64 with gcc-15',
        arch: 'x86_64',
        toolchain: 'gcc-15',
        'runs-on': m.test.include.find((t) => t.arch === 'x86_64')!['runs-on'],
        'timeout-minutes': 30,
        'job-timeout-minutes': 50,
        artifact: 'kernel-x86_64-gcc-15',
        'kernel-image': 'bzImage',
        objects: '*.bpf.o',
        thresholds: '',
        'baseline-key': 'veristat-x86_64-gcc-15',
        'results-artifact': 'veristat-x86_64-gcc-15',
      },
    ]);
    // Its build makes veristat.
    const build = m.build.include.find((b) => b.artifact === 'kernel-x86_64-gcc-15')!;
    expect(build['selftests-targets'].split('\n')).toContain('veristat');
  });

  it('pushes only build, and still run veristat: they store the baselines', () => {
    const m = matrixFor('', 'push');
    expect(m.test.include).toEqual([]);
    expect(m.veristat.include.map((v) => v.name)).toEqual(['veristat on x86_64 with gcc-15']);
  });

  it('object globs, thresholds and timeout come from the config; no selector, no job', () => {
    const m = matrixFor(
      'veristat:\n  on: [{arch: x86_64, toolchain: llvm}]\n  objects: ["*.bpf.o", "no_alu32/*.bpf.o"]\n' +
        '  thresholds: ci/veristat.yml\n  timeout-minutes: 15\n',
      'pull_request',
    );
    expect(m.veristat.include).toEqual([
      expect.objectContaining({
        name: 'veristat on x86_64 with llvm-22',
        objects: '*.bpf.o\nno_alu32/*.bpf.o',
        thresholds: 'ci/veristat.yml',
        'timeout-minutes': 15,
        'job-timeout-minutes': 35,
      }),
    ]);
    expect(matrixFor('veristat: { on: [] }\n', 'pull_request').veristat.include).toEqual([]);
  });

  it('forks run veristat on their GitHub-hosted runners', () => {
    const m = generateMatrix(parseConfig(''), {
      repository: REPO,
      event: 'pull_request',
      headRepository: 'someone/bpf',
    });
    expect(m.veristat.include.map((v) => v['runs-on'])).toEqual([['ubuntu-24.04']]);
  });

  it('globs with white space or .., and thresholds outside the checkout, are errors at their line', () => {
    expect(issuesOf('veristat:\n  objects: ["a b.bpf.o"]\n')).toEqual([expect.objectContaining({ line: 2 })]);
    expect(issuesOf('veristat:\n  objects: ["../x.bpf.o"]\n')).toEqual([
      expect.objectContaining({ line: 2 }),
    ]);
    expect(issuesOf('veristat:\n  objects: ["/x.bpf.o"]\n')).toEqual([expect.objectContaining({ line: 2 })]);
    expect(issuesOf('veristat:\n  thresholds: /etc/veristat.yml\n')).toEqual([
      expect.objectContaining({ line: 2, message: "'/etc/veristat.yml' is an absolute path" }),
    ]);
  });
});
