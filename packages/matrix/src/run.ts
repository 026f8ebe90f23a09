// The I/O edge shared by `bpf-ci matrix` and the matrix-generator action: read the config (or fall
// back to the defaults when the default file is absent), generate, log what was left out and why.
import { resolve } from 'node:path';
import { UserError, type ConfigError } from '@bpf-ci/domain';
import type { Logger } from '@bpf-ci/logger';
import { generateMatrix, type Matrix, type MatrixContext } from './generate.ts';
import { DEFAULT_CONFIG_PATH, loadConfig, parseConfig } from './load.ts';

export interface MatrixRequest extends MatrixContext {
  /** The config as the user named it (relative to cwd); errors and annotations use this name. */
  config: string;
  cwd: string;
}

/**
 * The matrix for a config file. A missing file is fine only at the default path (the defaults are
 * kernel-patches/bpf's matrix); a path given on purpose must exist. Throws ConfigError.
 */
export async function computeMatrix(request: MatrixRequest, logger: Logger): Promise<Matrix> {
  const path = request.config || DEFAULT_CONFIG_PATH;
  let config;
  try {
    config = await loadConfig(resolve(request.cwd, path), path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (path !== DEFAULT_CONFIG_PATH)
      throw new UserError(
        `${path}: no such file (without a file, leave the config at ${DEFAULT_CONFIG_PATH} to get the defaults)`,
      );
    logger.info(`no ${path}: using the defaults (kernel-patches/bpf's matrix)`);
    config = parseConfig('', path);
  }
  const matrix = generateMatrix(config, {
    repository: request.repository,
    event: request.event,
    headRepository: request.headRepository,
  });
  for (const note of matrix.notes) logger.info(note);
  return matrix;
}

/** One error per problem, pointing at its line and column (an annotation in GitHub's UI). */
export function reportConfigError(err: ConfigError, logger: Logger): void {
  for (const issue of err.issues) {
    const text = [
      issue.message,
      ...(issue.expected ? [`expected: ${issue.expected}`] : []),
      ...(issue.fix ? [`fix: ${issue.fix}`] : []),
    ];
    logger.error(text.join('\n'), {
      title: 'bpf-ci config',
      file: issue.file,
      line: issue.line,
      col: issue.column,
    });
  }
}

/** The jobs, one line each, for a terminal or the Actions log. */
export function describeMatrix(matrix: Matrix): string {
  const lines = [
    `deployment: ${matrix.deployment}${matrix.fork ? ' (fork)' : ''}`,
    '',
    `${matrix.build.include.length} build jobs:`,
    ...matrix.build.include.map(
      (b) =>
        `  ${b.name}  [runs-on: ${b['runs-on'].join(', ')}; ${b['timeout-minutes']} min${b.veristat ? '; veristat' : ''}]`,
    ),
    '',
    `${matrix.test.include.length} test jobs:`,
    ...matrix.test.include.map(
      (t) =>
        `  ${t.name}  [runs-on: ${t['runs-on'].join(', ')}; ${t['timeout-minutes']} min${t['continue-on-error'] ? '; continue-on-error' : ''}${t['denylist-pass-minutes'] > 0 ? `; DENYLIST pass ${t['denylist-pass-minutes']} min` : ''}]`,
    ),
    '',
    `${matrix.veristat.include.length} veristat jobs:`,
    ...matrix.veristat.include.map((v) => `  ${v.name}  [runs-on: ${v['runs-on'].join(', ')}]`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The action's outputs: what `strategy.matrix: ${{ fromJSON(...) }}` takes. */
export function matrixOutputs(
  matrix: Matrix,
): Record<'build-matrix' | 'test-matrix' | 'veristat-matrix', string> {
  return {
    'build-matrix': JSON.stringify(matrix.build),
    'test-matrix': JSON.stringify(matrix.test),
    'veristat-matrix': JSON.stringify(matrix.veristat),
  };
}
