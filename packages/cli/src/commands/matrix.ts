import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import {
  ConfigError,
  DEFAULT_CONFIG_PATH,
  generateMatrix,
  loadConfig,
  parseConfig,
  type Matrix,
} from '@bpf-ci/matrix';
import { UsageError, type Command } from '../command.ts';

const usage = `usage: bpf-ci matrix [--config FILE] [--repository OWNER/NAME] [--event EVENT] [--json]

Validate a bpf-ci config and print the build and test jobs it gives.
  --config FILE        the config (default ${DEFAULT_CONFIG_PATH}; without it and without the file: the defaults)
  --repository R       the repository the workflow runs in (default: the config's first main repository);
                       any other repository is a fork: only forks.arches, on forks.runs-on
  --event E            the event that started the workflow (default pull_request)
  --json               print {"build-matrix": ..., "test-matrix": ...} as the action outputs them`;

export const matrixCommand: Command = {
  name: 'matrix',
  summary: 'validate .github/bpf-ci.yml and print the build and test matrix',
  usage,
  async run(args, io) {
    let values;
    try {
      ({ values } = parseArgs({
        args,
        options: {
          config: { type: 'string' },
          repository: { type: 'string' },
          event: { type: 'string' },
          json: { type: 'boolean', default: false },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    const path = values.config ?? DEFAULT_CONFIG_PATH;
    let config;
    try {
      config = await loadConfig(resolve(io.cwd, path), path);
    } catch (err) {
      if (err instanceof ConfigError) {
        io.logger.error(`${path} is not a valid bpf-ci config:\n${err.message}`);
        return 1;
      }
      if (values.config === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        io.logger.info(`no ${path}: using the defaults (kernel-patches/bpf's matrix)`);
        config = parseConfig('', path);
      } else throw err;
    }
    const matrix = generateMatrix(config, { repository: values.repository, event: values.event });
    for (const note of matrix.notes) io.logger.info(note);
    io.stdout.write(values.json ? `${JSON.stringify(asOutputs(matrix), null, 2)}\n` : describe(matrix));
    return 0;
  },
};

/** The action's outputs: what `strategy.matrix: ${{ fromJSON(...) }}` takes. */
export function asOutputs(matrix: Matrix): {
  'build-matrix': Matrix['build'];
  'test-matrix': Matrix['test'];
} {
  return { 'build-matrix': matrix.build, 'test-matrix': matrix.test };
}

function describe(matrix: Matrix): string {
  const lines = [
    `deployment: ${matrix.deployment}${matrix.fork ? ' (fork)' : ''}`,
    '',
    `${matrix.build.include.length} build jobs:`,
  ];
  for (const b of matrix.build.include)
    lines.push(
      `  ${b.name}  [runs-on: ${b['runs-on'].join(', ')}; ${b['timeout-minutes']} min${b.veristat ? '; veristat' : ''}]`,
    );
  lines.push('', `${matrix.test.include.length} test jobs:`);
  for (const t of matrix.test.include)
    lines.push(
      `  ${t.name}  [runs-on: ${t['runs-on'].join(', ')}; ${t['timeout-minutes']} min${t['continue-on-error'] ? '; continue-on-error' : ''}]`,
    );
  return `${lines.join('\n')}\n`;
}
