// The I/O edge: read two veristat outputs (+ config, + verifier logs) from disk, diff, render.
// This is what the action, the `bpf-ci veristat-diff` command and the e2e test call.
import { readFile } from 'node:fs/promises';
import type { Logger } from '@bpf-ci/logger';
import { STEP_SUMMARY_BUDGET } from '@bpf-ci/protocol';
import { buildAnnotations, type VeristatAnnotation } from './annotations.ts';
import { DEFAULT_CONFIG, parseConfig, type VeristatConfig } from './config.ts';
import { diffRuns, noBaseline, type VeristatDiff } from './diff.ts';
import { parseRunText } from './parse.ts';
import { renderMarkdown, sections, type RenderOptions } from './render.ts';
import type { VeristatRun } from './run.ts';
import { parseVerifierLogs, type VerifierLog } from './verifier-log.ts';

export interface VeristatDiffInput {
  /** The base run's veristat output (CSV or table). Missing file or undefined: no baseline. */
  base?: string;
  /** The new run's veristat output. */
  next: string;
  /** YAML/JSON thresholds (see config.ts). */
  config?: string;
  /** `veristat -v` output of the new run, for the tail of each new failure's verifier log. */
  verifierLogs?: string[];
  title?: string;
  /** Bytes the Markdown may take (what is left of the step summary's 1 MiB). */
  maxSummaryBytes?: number;
}

export interface VeristatDiffResult {
  diff: VeristatDiff;
  markdown: string;
  annotations: VeristatAnnotation[];
  /** How many programs each summary section lists (the action's outputs). */
  counts: { newFailures: number; regressions: number; improvements: number; added: number; removed: number };
  config: VeristatConfig;
}

export async function veristatDiffFiles(
  input: VeristatDiffInput,
  logger: Logger,
): Promise<VeristatDiffResult> {
  const config = input.config
    ? parseConfig(await readFile(input.config, 'utf8'), input.config, (m) => logger.warning(m))
    : DEFAULT_CONFIG;
  const next = await readRun(input.next, 'new');
  logger.info(`veristat: ${next.programs.length} programs in ${input.next}`);
  let base: VeristatRun | undefined;
  let baselineNote: string | undefined;
  if (!input.base) baselineNote = 'no base file was given';
  else {
    const text = await readFile(input.base, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (text === undefined) baselineNote = `${input.base} does not exist`;
    else {
      base = parseWithSource(text, input.base, 'base');
      logger.info(`veristat: ${base.programs.length} programs in ${input.base}`);
    }
  }
  if (baselineNote)
    logger.warning(`veristat: no baseline (${baselineNote}); nothing to compare, not a failure`);

  const logs = new Map<string, VerifierLog>();
  for (const path of input.verifierLogs ?? []) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) {
      logger.warning(
        `veristat: verifier log ${path} could not be read; new failures are shown without their log`,
      );
      continue;
    }
    for (const [key, log] of parseVerifierLogs(text)) logs.set(key, log);
  }

  const diff = base ? diffRuns(base, next, config) : noBaseline(next);
  for (const { side, problem } of diff.problems) {
    logger.warning(
      `veristat ${side}${problem.line !== undefined ? ` line ${problem.line}` : ''}: ${problem.message}`,
    );
  }
  const renderOptions: RenderOptions = {
    logs,
    ...(input.title ? { title: input.title } : {}),
    ...(baselineNote ? { baselineNote } : {}),
  };
  const markdown = fitMarkdown(diff, renderOptions, input.maxSummaryBytes ?? STEP_SUMMARY_BUDGET);
  const listed = sections(diff);
  const counts = {
    newFailures: listed.newFailures.length,
    regressions: listed.regressions.length,
    improvements: listed.improvements.length,
    added: listed.added.length,
    removed: listed.removed.length,
  };
  return { diff, markdown, annotations: buildAnnotations(diff, { logs }), config, counts };
}

async function readRun(path: string, side: string): Promise<VeristatRun> {
  return parseWithSource(await readFile(path, 'utf8'), path, side);
}

function parseWithSource(text: string, path: string, side: string): VeristatRun {
  try {
    return parseRunText(text);
  } catch (err) {
    if (err instanceof Error) err.message = `${side} veristat output ${path}: ${err.message}`;
    throw err;
  }
}

/** GitHub drops a step summary over 1 MiB whole: list fewer rows and logs until it fits. */
function fitMarkdown(diff: VeristatDiff, options: RenderOptions, maxBytes: number): string {
  let markdown = '';
  for (const [maxRows, maxLogs] of [
    [300, 20],
    [100, 10],
    [30, 5],
    [10, 2],
    [3, 0],
  ] as const) {
    markdown = renderMarkdown(diff, { ...options, maxRows, maxLogs });
    if (Buffer.byteLength(markdown) <= maxBytes) return markdown;
  }
  return Buffer.byteLength(markdown) <= maxBytes
    ? markdown
    : `### veristat\n\nThe comparison is too large for the step summary (${maxBytes} bytes left); run \`bpf-ci veristat-diff\` on the two files.\n`;
}
