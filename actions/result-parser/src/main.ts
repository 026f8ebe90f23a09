// result-parser action: read inputs, load and report with @bpf-ci/report, write files and outputs.
import {
  ActionsLogger,
  appendStepSummary,
  getInput,
  getMultilineInput,
  remainingSummaryBytes,
  setOutputs,
} from '@bpf-ci/gh';
import { buildReport, echoFailureLogs, loadRun } from '@bpf-ci/report';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const logger = new ActionsLogger();

async function main(): Promise<void> {
  const context: Record<string, string> = {};
  for (const [key, input] of [
    ['arch', getInput('arch')],
    ['toolchain', getInput('toolchain')],
    ['runner', getInput('runner')],
  ] as const) {
    if (input !== '') context[key] = input;
  }
  const maxAnnotations = Number(getInput('max-annotations') || '30');
  if (!Number.isInteger(maxAnnotations) || maxAnnotations < 1) {
    throw new Error(
      `max-annotations must be a positive integer, got ${JSON.stringify(getInput('max-annotations'))}`,
    );
  }
  const outputDir = resolve(getInput('output-dir') || 'bpf-ci-results');

  const run = await loadRun(
    {
      logs: getMultilineInput('logs'),
      jsonSummaries: getMultilineInput('json-summaries'),
      consoleLogs: getMultilineInput('console-logs'),
      context,
    },
    logger,
  );
  // Keep 4 KiB of the step's 1 MiB for whatever a later tool of this step appends.
  const report = buildReport(run, {
    maxAnnotations,
    budgetBytes: Math.max(0, (await remainingSummaryBytes()) - 4096),
  });

  await mkdir(outputDir, { recursive: true });
  for (const [name, content] of Object.entries(report.files)) await writeFile(join(outputDir, name), content);
  await appendStepSummary(report.summary);
  await echoFailureLogs(run, logger);
  for (const { level, message, ...where } of report.annotations) logger.annotate(level, message, where);
  setOutputs({ ...report.outputs, 'results-json': join(outputDir, 'results.json') });
}

try {
  await main();
} catch (err) {
  logger.error(err instanceof Error ? err.message : String(err), { title: 'result-parser failed' });
  process.exitCode = 1;
}
