// Runs an action the way the runner does (inputs in INPUT_* variables, outputs appended to
// $GITHUB_OUTPUT, workflow commands on stdout), from its TypeScript entry point: Node runs it directly,
// so these tests follow the code of this commit, not the committed bundle.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  ms: number;
}

/** name<<DELIMITER\nvalue\nDELIMITER, as @actions/core writes $GITHUB_OUTPUT. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const m of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]!] = m[3]!;
  return outputs;
}

export async function runAction(
  action: string,
  workspace: string,
  inputs: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ActionRun> {
  const output = join(workspace, '.github-output');
  await writeFile(output, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: join(workspace, '.step-summary'),
    GITHUB_WORKSPACE: workspace,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  await writeFile(env.GITHUB_STEP_SUMMARY!, '');
  const started = Date.now();
  const main = join(ROOT, 'actions', action, 'src', 'index.ts');
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [main], {
      cwd: workspace,
      env,
      timeout: timeoutMs,
      maxBuffer: 64 * 2 ** 20,
    });
    return {
      code: 0,
      stdout,
      stderr,
      outputs: parseOutputs(await readFile(output, 'utf8')),
      ms: Date.now() - started,
    };
  } catch (err) {
    const e = err as { code: number | string; stdout: string; stderr: string; killed?: boolean };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout,
      stderr: e.stderr + (e.killed ? `\n(killed after ${timeoutMs} ms)` : ''),
      outputs: parseOutputs(await readFile(output, 'utf8')),
      ms: Date.now() - started,
    };
  }
}
