// Thin: read the inputs, run @bpf-ci/vm, publish the summary and outputs.
import { readFileSync } from 'node:fs';
import { ActionsLogger, appendStepSummary, getInput, getMultilineInput, setOutputs } from '@bpf-ci/gh';
import { writeSummary } from '@bpf-ci/report';
import { buildPlan, parseArch, runnerLines, runVmTests } from '@bpf-ci/vm';

const logger = new ActionsLogger();

async function main(): Promise<void> {
  const arch = parseArch(getInput('arch') || 'x86_64');
  const minutes = Number(getInput('timeout-minutes') || '30');
  if (!Number.isInteger(minutes) || minutes <= 0)
    throw new Error(`timeout-minutes: '${getInput('timeout-minutes')}' is not a positive whole number`);
  const plan = buildPlan(
    {
      arch,
      selftestsDir: getInput('selftests-dir', { required: true }),
      runners: runnerLines(getInput('runners') || 'test_progs'),
      allowlists: getMultilineInput('allowlists'),
      denylists: getMultilineInput('denylists'),
      timeoutSec: minutes * 60,
    },
    logger,
  );
  const modulesDir = getInput('modules-dir');
  const kernelConfig = getInput('kernel-config');
  const outcome = await runVmTests(
    {
      arch,
      kernelImage: getInput('kernel-image', { required: true }),
      ...(modulesDir ? { modulesDir } : {}),
      ...(kernelConfig ? { kernelConfig } : {}),
      plan,
      outputDir: getInput('output-dir') || 'vmtest-output',
    },
    logger,
  );
  const summary = writeSummary(outcome.run, outcome.outputDir);
  if (process.env['GITHUB_STEP_SUMMARY']) await appendStepSummary(readFileSync(summary, 'utf8'));
  setOutputs({ conclusion: outcome.conclusion, 'results-json': outcome.resultsJson });
  if (outcome.conclusion !== 'success') {
    logger.error(`vmtest ${outcome.conclusion}: see ${summary}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  logger.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
