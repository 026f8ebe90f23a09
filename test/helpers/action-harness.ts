// One harness for every action, two ways to run it:
//   runInProcess(action, inputs) imports actions/<action>/src/main.ts and calls run(), the way
//     index.ts does, with the step's environment set and stdout captured;
//   runBundle(action, inputs) runs the ncc bundle of index.ts as the runner does
//     (`node index.js` with INPUT_* variables). The bundle is built from the current sources into
//     the cache (one build per source state, shared by every test), so it tests this tree, not a
//     stale dist/ (which `npm run check-dist` checks separately).
// Inputs not given get action.yml's default, as the runner passes them. Stdout and stderr go
// through the runner emulation to see exactly which workflow commands GitHub would run.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot, ensureDir } from '@bpf-ci/debian';
import { parse as parseYaml } from 'yaml';
import { runnerCommands, type ParsedCommand } from '../unit/report/runner-sim.ts';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Workflow commands the runner would execute from stdout and stderr. */
  commands: ParsedCommand[];
  summary: string;
  outputs: Record<string, string>;
  /** The step's temporary folder (its working directory unless `cwd` was given). */
  dir: string;
  /** How long the step took, in milliseconds. */
  ms: number;
}

export interface ActionStep {
  /** Working directory; default: a new temporary folder. */
  cwd?: string;
  /** What the step summary file holds before the action runs. */
  summaryBefore?: string;
  /** More environment (e.g. BPF_CI_CACHE). */
  env?: NodeJS.ProcessEnv;
  /** A child process (bundle or source) is killed after this long; default: no limit. */
  timeoutMs?: number;
}

interface ActionYml {
  inputs?: Record<string, { default?: string; required?: boolean } | null>;
  outputs?: Record<string, { description?: string } | null>;
}

export function actionYml(action: string): ActionYml {
  return parseYaml(readFileSync(join(ROOT, 'actions', action, 'action.yml'), 'utf8')) as ActionYml;
}

/** GITHUB_OUTPUT's `name<<DELIM\nvalue\nDELIM` records, as @actions/core writes them. */
export function readOutputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of readFileSync(file, 'utf8').matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm))
    out[m[1]!] = m[3]!;
  return out;
}

function stepEnv(action: string, inputs: Record<string, string>, step: ActionStep) {
  const dir = mkdtempSync(join(tmpdir(), `bpf-ci-${action}-`));
  const summary = join(dir, 'step-summary.md');
  const output = join(dir, 'github-output');
  writeFileSync(summary, step.summaryBefore ?? '');
  writeFileSync(output, '');
  const env: NodeJS.ProcessEnv = {
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: output,
    ...step.env,
  };
  // The runner passes every declared input: the workflow's value or action.yml's default.
  for (const [name, spec] of Object.entries(actionYml(action).inputs ?? {}))
    env[`INPUT_${name.toUpperCase()}`] = inputs[name] ?? spec?.default ?? '';
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return { dir, summary, output, env, cwd: step.cwd ?? dir };
}

function finish(
  s: ReturnType<typeof stepEnv>,
  code: number,
  stdout: string,
  stderr: string,
  started: number,
): ActionRun {
  return {
    ms: Date.now() - started,
    code,
    stdout,
    stderr,
    commands: [...runnerCommands(stdout), ...runnerCommands(stderr)],
    summary: readFileSync(s.summary, 'utf8'),
    outputs: readOutputs(s.output),
    dir: s.dir,
  };
}

/** Calls the action's run() in this process, as its index.ts does. */
export async function runInProcess(
  action: string,
  inputs: Record<string, string>,
  step: ActionStep = {},
): Promise<ActionRun> {
  const s = stepEnv(action, inputs, step);
  const started = Date.now();
  const saved = { ...process.env };
  const cwd = process.cwd();
  const write = process.stdout.write.bind(process.stdout);
  let stdout = '';
  // Only the step's own variables: nothing the test process happens to have set.
  for (const key of Object.keys(process.env)) if (/^(INPUT_|GITHUB_)/.test(key)) delete process.env[key];
  Object.assign(process.env, s.env);
  process.stdout.write = (chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  };
  process.chdir(s.cwd);
  try {
    const { run } = (await import(join(ROOT, 'actions', action, 'src', 'main.ts'))) as {
      run: () => Promise<number>;
    };
    const code = await run();
    return finish(s, code, stdout, '', started);
  } finally {
    process.stdout.write = write;
    process.chdir(cwd);
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/** Every source a bundle is built from, hashed: a new state builds new bundles. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (/\.(ts|json|ya?ml)$/.test(entry.name)) {
        hash.update(path.slice(ROOT.length)).update('\0').update(readFileSync(path)).update('\0');
      }
    }
  };
  for (const top of ['packages', 'actions']) walk(join(ROOT, top));
  hash.update(readFileSync(join(ROOT, 'package-lock.json')));
  return hash.digest('hex').slice(0, 16);
}

/** The bundle of the current sources (built once per source state, under a lock). */
export async function bundle(action: string): Promise<string> {
  const dir = join(cacheRoot(), 'test-bundles', `${action}-${sourceHash()}`);
  await ensureDir(dir, async (tmp) => {
    await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'scripts', 'build-dist.ts'), '--out', tmp, '--only', action],
      { cwd: ROOT },
    );
  });
  const file = join(dir, action, 'index.js');
  statSync(file);
  return file;
}

/** Runs the action's bundle as the runner does: `node index.js` with the step's environment. */
export async function runBundle(
  action: string,
  inputs: Record<string, string>,
  step: ActionStep = {},
): Promise<ActionRun> {
  return runNode(await bundle(action), action, inputs, step);
}

/**
 * Runs the action's TypeScript entry (src/index.ts) in a child `node` with the step's environment,
 * as the runner runs a bundle: the test follows this commit's code without building a bundle.
 */
export function runSource(
  action: string,
  inputs: Record<string, string>,
  step: ActionStep = {},
): Promise<ActionRun> {
  return runNode(join(ROOT, 'actions', action, 'src', 'index.ts'), action, inputs, step);
}

async function runNode(
  file: string,
  action: string,
  inputs: Record<string, string>,
  step: ActionStep,
): Promise<ActionRun> {
  const s = stepEnv(action, inputs, step);
  const env = { PATH: process.env['PATH'], ...s.env };
  const started = Date.now();
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [file], {
      env,
      cwd: s.cwd,
      maxBuffer: 64 * 1024 * 1024,
      ...(step.timeoutMs !== undefined ? { timeout: step.timeoutMs } : {}),
    });
    return finish(s, 0, stdout, stderr, started);
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; killed?: boolean };
    const killed = e.killed ? `\n(killed after ${step.timeoutMs} ms)` : '';
    return finish(
      s,
      typeof e.code === 'number' ? e.code : 1,
      e.stdout ?? '',
      (e.stderr ?? '') + killed,
      started,
    );
  }
}
