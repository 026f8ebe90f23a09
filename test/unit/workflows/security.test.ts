// The security walk over every workflow and action: actions pinned to full commit SHAs with a
// version comment, permissions: {} at the top and a grant per job, no ${{ }} inside run:, a
// timeout on every job, no pull_request_target.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { actionFiles, read, rel, workflowFiles } from './files.ts';
import { actionProblems, workflowProblems } from './security-rules.ts';

describe('the security walk', () => {
  it.each(workflowFiles().map((f) => [rel(f), f]))('%s follows every rule', (_name, file) => {
    expect(workflowProblems(read(file))).toEqual([]);
  });

  it.each(actionFiles().map((f) => [rel(f), f]))('%s follows every rule', (_name, file) => {
    expect(actionProblems(read(file))).toEqual([]);
  });

  it('kernel-ci.yml and ci.yml cancel the run in progress for the same ref', () => {
    for (const name of ['kernel-ci.yml', 'ci.yml']) {
      const file = workflowFiles().find((f) => f.endsWith(`.github/workflows/${name}`))!;
      const workflow = parse(read(file)) as {
        concurrency?: { group?: string; 'cancel-in-progress'?: boolean };
      };
      expect(workflow.concurrency?.['cancel-in-progress']).toBe(true);
      expect(workflow.concurrency?.group).toContain('${{ github.ref }}');
    }
  });
});

// Each rule catches what it is for: a clean workflow, then one violation at a time.
const CLEAN = `on:
  pull_request:
permissions: {}
jobs:
  build:
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@df4cb1c069e1874edd31b4311f1884172cec0e10 # v6.0.3
      - uses: ./actions/matrix-generator
      - run: echo "$TITLE"
        env:
          TITLE: \${{ github.event.pull_request.title }}
  call:
    uses: bpf-ci/bpf-ci/.github/workflows/kernel-ci.yml@0123456789abcdef0123456789abcdef01234567 # v1
    permissions:
      contents: read
`;

function violating(find: string, replace: string): string {
  expect(CLEAN).toContain(find);
  return CLEAN.replace(find, replace);
}

describe('each rule catches a violation', () => {
  it('accepts the clean workflow', () => {
    expect(workflowProblems(CLEAN)).toEqual([]);
  });

  it.each([
    [
      'a tag instead of a SHA',
      'checkout@df4cb1c069e1874edd31b4311f1884172cec0e10 # v6.0.3',
      'checkout@v6',
      'pinned',
      11,
    ],
    ['a short SHA', 'checkout@df4cb1c069e1874edd31b4311f1884172cec0e10', 'checkout@df4cb1c', 'pinned', 11],
    ['a pin without its version comment', 'e10 # v6.0.3', 'e10', 'pinned', 11],
    [
      'a reusable workflow by branch',
      'kernel-ci.yml@0123456789abcdef0123456789abcdef01234567',
      'kernel-ci.yml@main',
      'pinned',
      17,
    ],
    [
      '${{ }} in run:',
      'echo "$TITLE"',
      'echo "${{ github.event.pull_request.title }}"',
      'run-expression',
      13,
    ],
    ['no top-level permissions: {}', 'permissions: {}\n', 'permissions: read-all\n', 'permissions', 3],
    [
      'a job without permissions',
      '    permissions:\n      contents: read\n    steps:',
      '    steps:',
      'permissions',
      6,
    ],
    ['a job without timeout-minutes', '    timeout-minutes: 10\n', '', 'timeout', 6],
    [
      'pull_request_target',
      'on:\n  pull_request:\n',
      'on:\n  pull_request_target:\n',
      'pull_request_target',
      2,
    ],
  ] as const)('%s', (_what, find, replace, rule, line) => {
    const problems = workflowProblems(violating(find, replace));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ rule, line });
  });

  it('pull_request_target written as a list or a single event', () => {
    expect(
      workflowProblems(CLEAN.replace('on:\n  pull_request:\n', 'on: [push, pull_request_target]\n'))[0]?.rule,
    ).toBe('pull_request_target');
    expect(
      workflowProblems(CLEAN.replace('on:\n  pull_request:\n', 'on: pull_request_target\n'))[0]?.rule,
    ).toBe('pull_request_target');
  });

  it('composite actions: unpinned uses and ${{ }} in run:', () => {
    const action = `name: x
description: x
runs:
  using: composite
  steps:
    - uses: actions/cache@v5
    - run: echo \${{ inputs.name }}
      shell: bash
`;
    expect(actionProblems(action).map((p) => [p.rule, p.line])).toEqual([
      ['pinned', 6],
      ['run-expression', 7],
    ]);
  });

  it('a container by tag, a floating node-version, a cache key with the run id', () => {
    const job = `on: push
permissions: {}
jobs:
  ci:
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    permissions: {}
    container: IMAGE
    steps:
      - uses: actions/setup-node@48b55a011bda9f5d6aeb4c2d9c7362e8dae4041e # v6.4.0
        with:
          node-version: NODE
      - uses: actions/cache/restore@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5
        with:
          path: x
          key: KEY
`;
    const variant = (image: string, node: string, key: string) =>
      workflowProblems(job.replace('IMAGE', image).replace('NODE', node).replace('KEY', key));
    const digest = `debian:12@sha256:${'a'.repeat(64)}`;
    expect(variant(digest, '24.21.0', 'k-${{ github.sha }}')).toEqual([]);
    expect(variant('debian:12', '24.21.0', 'k')).toMatchObject([{ rule: 'pinned', line: 8 }]);
    expect(variant(digest, '24', 'k')).toMatchObject([{ rule: 'pinned', line: 12 }]);
    expect(variant(digest, '24.21.0', 'k-${{ github.run_id }}')).toMatchObject([
      { rule: 'cache-key', line: 16 },
    ]);
    expect(
      workflowProblems(
        job
          .replace('container: IMAGE', 'container:\n      image: debian:12')
          .replace('NODE', '24.1.0')
          .replace('KEY', 'k'),
      ),
    ).toMatchObject([{ rule: 'pinned', line: 9 }]);
  });
});
