// Threat: a pull request (from a fork or not) rewrites its own CI. kernel-ci.yml reads bpf-ci's
// config from the BASE commit for pull requests, tells the matrix generator the head repository
// (a fork's pull request is otherwise invisible: github.repository is the base repository), shows
// how the pull request changes the in-tree selftests lists, and lets pull requests restore the
// kernel build cache but never save to it. The generic rules (pins by SHA and digest, exact Node,
// no run id in cache keys) are the security walk of test/unit/workflows.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// GitHub's own parser (tests only; the runtime toolkit stays in packages/gh).
// eslint-disable-next-line no-restricted-imports
import { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } from '@actions/workflow-parser';
import { parse } from 'yaml';

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}
interface Workflow {
  jobs: Record<string, { steps: Step[] }>;
}

const FILE = join(import.meta.dirname, '..', '..', '.github', 'workflows', 'kernel-ci.yml');
const TEXT = readFileSync(FILE, 'utf8');
const workflow = parse(TEXT) as Workflow;
const steps = (job: string): Step[] => workflow.jobs[job]?.steps ?? [];

describe('kernel-ci.yml trust rules', () => {
  it("passes GitHub's own parser", async () => {
    const parsed = parseWorkflow({ name: 'kernel-ci.yml', content: TEXT }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    expect(template.errors ?? []).toEqual([]);
  });

  it("reads the config of a pull request's base commit, and passes the head repository", () => {
    const matrix = steps('matrix');
    const configCheckout = matrix.find((s) => s.uses?.startsWith('actions/checkout@') && !s.with?.path);
    expect(configCheckout?.with?.ref).toBe('${{ github.event.pull_request.base.sha || github.sha }}');
    expect(configCheckout?.with?.['sparse-checkout']).toContain('${{ inputs.config }}');
    const generator = matrix.find((s) => s.uses?.endsWith('/actions/matrix-generator'));
    expect(generator?.with).toMatchObject({
      repository: '${{ github.repository }}',
      'head-repository': '${{ github.event.pull_request.head.repo.full_name }}',
      event: '${{ github.event_name }}',
    });
    // Nothing checks out the merge commit's config before the generator reads it.
    const before = matrix.slice(0, matrix.indexOf(generator!));
    for (const s of before.filter((x) => x.uses?.startsWith('actions/checkout@') && x !== configCheckout))
      expect(s.with?.path, `${s.name} checks out into the config's place`).toBeDefined();
  });

  it("the test jobs read the quarantine file of a pull request's base commit", () => {
    const test = steps('test');
    const runner = test.find((s) => s.uses?.endsWith('/actions/vmtest-runner'));
    const file = runner?.with?.['quarantine-file'];
    // The config's flaky.quarantine (the config is the base commit's too), or the workflow input.
    const name = '${{ matrix.quarantine-file || inputs.quarantine }}';
    expect(file).toBe(`.bpf-ci-base/${name}`);
    const checkout = test.find(
      (s) => s.uses?.startsWith('actions/checkout@') && s.with?.path === '.bpf-ci-base',
    );
    expect(checkout?.with).toMatchObject({
      ref: '${{ github.event.pull_request.base.sha || github.sha }}',
      'sparse-checkout': name,
      'persist-credentials': false,
    });
  });

  it("veristat's thresholds are the base commit's; only pushes save a baseline, under a key without the run id", () => {
    const veristat = steps('veristat');
    const diff = veristat.find((s) => s.uses?.endsWith('/actions/veristat-diff'));
    expect(diff?.with?.config).toMatch(/^\$\{\{ matrix\.thresholds && format\('\.bpf-ci-base\/\{0\}'/);
    const checkout = veristat.find(
      (s) => s.uses?.startsWith('actions/checkout@') && s.with?.path === '.bpf-ci-base',
    );
    expect(checkout?.with).toMatchObject({
      ref: '${{ github.event.pull_request.base.sha || github.sha }}',
      'persist-credentials': false,
    });
    expect(String(checkout?.with?.['sparse-checkout'])).toContain('${{ matrix.thresholds }}');
    const save = veristat.find((s) => s.uses?.startsWith('actions/cache/save@'));
    const restore = veristat.find((s) => s.uses?.startsWith('actions/cache/restore@'));
    expect(save?.if).toBe("${{ github.event_name == 'push' }}");
    for (const key of [save?.with?.key, restore?.with?.key, restore?.with?.['restore-keys']])
      expect(String(key)).not.toMatch(/run_(id|attempt|number)|head_ref|pull_request\.head/);
  });

  it('pull requests restore the kernel build cache; only pushes save, under a key without the run id', () => {
    const build = steps('build');
    expect(build.filter((s) => /^actions\/cache@/.test(s.uses ?? ''))).toEqual([]);
    const restore = build.find((s) => s.uses?.startsWith('actions/cache/restore@'));
    const save = build.find((s) => s.uses?.startsWith('actions/cache/save@'));
    expect(restore?.with?.key).not.toMatch(/run_(id|attempt|number)/);
    expect(save?.if).toMatch(/github\.event_name == 'push'/);
    expect(save?.with?.key).toBe(`\${{ steps.${restore?.id}.outputs.cache-primary-key }}`);
  });

  it("shows the pull request's changes to the in-tree lists as inert text in the summary", () => {
    const show = steps('matrix').find((s) => s.name?.startsWith('Show how the pull request changes'));
    expect(show?.if).toContain("github.event_name == 'pull_request'");
    const workspace = mkdtempSync(join(tmpdir(), 'bpf-ci-sec-lists-'));
    const lists = 'tools/testing/selftests/bpf';
    mkdirSync(join(workspace, lists), { recursive: true });
    mkdirSync(join(workspace, '.bpf-ci-pr-lists', lists), { recursive: true });
    writeFileSync(join(workspace, lists, 'DENYLIST'), 'bpf_cookie\ntest_lsm\n');
    // What a hostile pull request could write: HTML, a fence, a heading, a workflow command.
    const hostile = 'bpf_cookie\n</details><img src=x onerror=alert(1)>\n```\n# Heading\n::error::forged\n';
    writeFileSync(join(workspace, '.bpf-ci-pr-lists', lists, 'DENYLIST'), hostile);
    const summary = join(workspace, 'summary.md');
    const stdout = execFileSync('bash', ['-e', '-c', show!.run!], {
      cwd: workspace,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GITHUB_STEP_SUMMARY: summary },
      encoding: 'utf8',
    });
    expect(stdout).toBe('');
    const text = readFileSync(summary, 'utf8');
    expect(text).toContain('This pull request changes the lists');
    const diffLines = text.split('\n').slice(text.split('\n').findIndex((l) => l.startsWith('    ')));
    // Every line of the diff is indented four spaces: a Markdown code block, never markup.
    for (const line of diffLines.filter((l) => l !== '')) expect(line).toMatch(/^ {4}/);
    expect(text).toContain('    +</details><img src=x onerror=alert(1)>');
    expect(text).toContain('    -test_lsm');
  });
});
