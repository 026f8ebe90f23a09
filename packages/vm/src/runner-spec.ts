// The runner-line grammar: what a `runners` input line names (a selftest runner, its parallel
// variant, or a named command) and how a multi-line or comma-separated input splits into lines.
import { PARALLEL_SUFFIX, isTestProgs } from '@bpf-ci/domain';
import { RunnerKind } from './plan.ts';

/**
 * One runner line, as the matrix-generator writes it: a runner name (`test_progs`), a parallel
 * variant (`test_progs -j`, `test_progs -j4`), or a custom command (`net: ./run_net.sh -v`). The
 * command is split on white space and run without a shell.
 */
export interface RunnerSpec {
  name: string;
  kind: RunnerKind;
  workers?: number;
  command?: string[];
}

/** `net: ./run_net.sh -v`: a named command. */
const CUSTOM_RUNNER = /^([A-Za-z0-9_.-]+):\s*(\S.*)$/;

export function parseRunnerSpec(entry: string): RunnerSpec {
  const line = entry.trim();
  const custom = CUSTOM_RUNNER.exec(line);
  if (custom?.[1] && custom[2]) return { name: custom[1], kind: 'command', command: custom[2].split(/\s+/) };
  const [name = '', ...flags] = line.split(/\s+/);
  const parsed = RunnerKind.safeParse(name);
  if (!parsed.success || parsed.data === 'command') {
    throw new Error(
      `unknown runner '${name}': use ${RunnerKind.options.filter((k) => k !== 'command').join(', ')}, ` +
        "'NAME -j' for a parallel run, or 'NAME: COMMAND' for a command",
    );
  }
  if (flags.length === 0) return { name, kind: parsed.data };
  const parallel = flags.length === 1 ? /^-j(\d*)$/.exec(flags[0] ?? '') : null;
  if (!parallel || !isTestProgs(parsed.data)) {
    throw new Error(`runner '${line}': only test_progs runners take an option, and only -j or -jN`);
  }
  return { name: `${name}${PARALLEL_SUFFIX}`, kind: parsed.data, workers: Number(parallel[1] || '0') };
}

/**
 * Runner lines separated by newlines or commas: "test_progs -j, test_verifier" → two lines. A
 * custom command (`NAME: COMMAND`) runs to the end of its line, commas included: commas are the
 * command's own (`net: ./run.sh -t a,b` is one runner).
 */
export function runnerLines(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const parts = line.split(',');
    for (let i = 0; i < parts.length; i++) {
      const part = (parts[i] ?? '').trim();
      if (CUSTOM_RUNNER.test(part)) {
        out.push(parts.slice(i).join(',').trim());
        break;
      }
      if (part !== '') out.push(part);
    }
  }
  return out;
}
