// result-parser action: load the logs, report with @bpf-ci/report, write files, summary and outputs.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { appendStepSummary, remainingSummaryBytes, runAction, setOutputs } from '@bpf-ci/gh';
import { buildReport, echoFailureLogs, loadRun, reproTemplateFromEnv } from '@bpf-ci/report';
import { Inputs } from './inputs.ts';

export function run(): Promise<number> {
  return runAction(Inputs, async (inputs, logger) => {
    const { arch, toolchain, runner } = inputs;
    const context = { ...(arch && { arch }), ...(toolchain && { toolchain }), ...(runner && { runner }) };
    const outputDir = resolve(inputs['output-dir']);
    const logs = { results: inputs.results, logs: inputs.logs, jsonSummaries: inputs['json-summaries'] };
    const run = await loadRun({ ...logs, consoleLogs: inputs['console-logs'], context }, logger);
    // Keep 4 KiB of the step's 1 MiB for whatever a later tool of this step appends.
    const budgetBytes = Math.max(0, (await remainingSummaryBytes()) - 4096);
    // Under each failure, the one-line `bpf-ci repro` of this job and test.
    const repro = reproTemplateFromEnv(process.env, { runner, arch, toolchain });
    const report = buildReport(run, {
      maxAnnotations: inputs['max-annotations'],
      budgetBytes,
      ...(repro ? { repro } : {}),
    });
    await mkdir(outputDir, { recursive: true });
    for (const [name, text] of Object.entries(report.files)) await writeFile(join(outputDir, name), text);
    await appendStepSummary(report.summary);
    await echoFailureLogs(run, logger);
    for (const { level, message, ...where } of report.annotations) logger.annotate(level, message, where);
    setOutputs({ ...report.outputs, 'results-json': join(outputDir, 'results.json') });
  });
}
