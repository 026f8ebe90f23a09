// The veristat job's baseline choice, run as the job runs it: the `run:` scripts of kernel-ci.yml
// with bash, against a real git history checked out as the job checks it out (shallow, at the base
// commit). A base commit without a baseline is compared with its nearest older one on the base
// branch, never with a newer push's, and the summary names the commit whose baseline it used.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, read } from './files.ts';

interface Step {
  id?: string;
  name?: string;
  if?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}

const workflow = parse(read(join(ROOT, '.github/workflows/kernel-ci.yml'))) as {
  jobs: Record<string, { steps: Step[] }>;
};
const steps = workflow.jobs['veristat']!.steps;
const ancestorsStep = steps.find((s) => s.id === 'ancestors')!;
const summaryStep = steps.find((s) => s.name === 'Say which baseline is compared')!;
const baseCheckout = steps.find((s) => s.with?.['path'] === '.bpf-ci-base')!;

const PREFIX = 'veristat-x86_64-gcc-12-bpf-next-';
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'a',
      GIT_AUTHOR_EMAIL: 'a@example.org',
      GIT_COMMITTER_NAME: 'a',
      GIT_COMMITTER_EMAIL: 'a@example.org',
    },
  }).trim();

/** Runs a step's script as GitHub does (bash, -e), in `workspace`, with its env set to `env`. */
function runStep(
  step: Step,
  workspace: string,
  env: Record<string, string>,
): { output: string; summary: string } {
  const output = join(workspace, `output-${Math.random()}`);
  const summary = join(workspace, `summary-${Math.random()}`);
  writeFileSync(output, '');
  writeFileSync(summary, '');
  execFileSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
    cwd: workspace,
    env: { PATH: process.env['PATH'], GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, ...env },
  });
  return { output: readFileSync(output, 'utf8'), summary: readFileSync(summary, 'utf8') };
}

/** GITHUB_OUTPUT's `name<<DELIMITER` multi-line form, read back. */
function outputValue(text: string, name: string): string {
  const m = new RegExp(`^${name}<<(.+)\\n([\\s\\S]*?)\\n?\\1$`, 'm').exec(text);
  if (!m) throw new Error(`no ${name} in ${text}`);
  return m[2]!;
}

describe('kernel-ci.yml veristat: the baseline of the base commit or its nearest ancestor', () => {
  let workspace: string;
  /** The base branch's first-parent history, newest first: base, then its ancestors. */
  let mainline: string[];
  let sideCommit: string;

  beforeAll(() => {
    const root = mkdtempSync(join(tmpdir(), 'veristat-baseline-'));
    const origin = join(root, 'origin');
    mkdirSync(origin);
    git(origin, 'init', '-q', '-b', 'bpf-next');
    writeFileSync(join(origin, 'file'), 'start\n');
    git(origin, 'add', 'file');
    git(origin, 'commit', '-qm', 'start');
    for (let i = 0; i < 8; i++) {
      writeFileSync(join(origin, 'file'), `${i}\n`);
      git(origin, 'commit', '-qam', `c${i}`);
    }
    // A merged side branch: its commits are ancestors too, but never heads of the base branch.
    git(origin, 'checkout', '-qb', 'side', 'HEAD~3');
    writeFileSync(join(origin, 'side'), 'side\n');
    git(origin, 'add', 'side');
    git(origin, 'commit', '-qm', 'side work');
    sideCommit = git(origin, 'rev-parse', 'HEAD');
    git(origin, 'checkout', '-q', 'bpf-next');
    git(origin, 'merge', '-q', '--no-ff', '-m', 'merge side', 'side');
    for (let i = 8; i < 14; i++) {
      writeFileSync(join(origin, 'file'), `${i}\n`);
      git(origin, 'commit', '-qam', `c${i}`);
    }
    // The workspace as actions/checkout leaves it: a shallow clone at the base commit.
    const depth = /(\d+) \|\|/.exec(String(baseCheckout.with?.['fetch-depth']))?.[1];
    expect(depth).toBe('10');
    workspace = join(root, 'workspace');
    mkdirSync(workspace);
    git(
      workspace,
      'clone',
      '-q',
      `--depth=${depth}`,
      '--filter=blob:none',
      `file://${origin}`,
      '.bpf-ci-base',
    );
    mainline = git(join(workspace, '.bpf-ci-base'), 'rev-list', '--first-parent', 'HEAD').split('\n');
  });

  it('the shallow checkout holds the base commit and its 9 nearest first-parent ancestors', () => {
    expect(mainline.length).toBeGreaterThanOrEqual(10);
    expect(baseCheckout.with?.['fetch-depth']).toBe("${{ github.event_name == 'pull_request' && 10 || 1 }}");
  });

  it('lists the exact keys of the 9 nearest ancestors, nearest first, none of a merged side branch', () => {
    expect(ancestorsStep.env?.['PREFIX']).toBe('${{ matrix.baseline-key }}-${{ github.base_ref }}-');
    const { output } = runStep(ancestorsStep, workspace, { PREFIX });
    const keys = outputValue(output, 'restore-keys').split('\n');
    expect(keys).toEqual(mainline.slice(1, 10).map((sha) => `${PREFIX}${sha}`));
    // 10 keys in all with the base commit's own: actions/cache refuses more.
    expect(keys).toHaveLength(9);
    expect(keys.some((k) => k.endsWith(sideCommit))).toBe(false);
    // Full SHAs: a key is never a prefix of another commit's.
    for (const k of keys) expect(k.slice(PREFIX.length)).toMatch(/^[0-9a-f]{40}$/);
  });

  it('an untrusted prefix stays data: quotes and $( ) are not run', () => {
    const prefix = `x$(touch pwned)'"\`-`;
    const { output } = runStep(ancestorsStep, workspace, { PREFIX: prefix });
    expect(outputValue(output, 'restore-keys').split('\n')[0]).toBe(`${prefix}${mainline[1]}`);
    expect(() => readFileSync(join(workspace, 'pwned'))).toThrow();
  });

  const summary = (found: string) =>
    runStep(summaryStep, workspace, { WANTED: `${PREFIX}${mainline[0]}`, FOUND: found }).summary;

  it('the summary names the ancestor whose baseline was used and how far back it is', () => {
    const text = summary(`${PREFIX}${mainline[3]}`);
    expect(text).toContain(`The base commit \`${mainline[0]}\` has no baseline`);
    expect(text).toContain(
      `compared with that of commit \`${mainline[3]}\`, 3 commits older on the base branch`,
    );
  });

  it("the summary says when the base commit's own baseline was used, and when there is none", () => {
    expect(summary(`${PREFIX}${mainline[0]}`)).toContain("Compared with the base commit's baseline");
    const none = summary('');
    expect(none).toContain(`No baseline for the base commit \`${mainline[0]}\` nor its 9 nearest ancestors`);
    expect(none).toContain('a push to the base branch stores one');
  });
});
