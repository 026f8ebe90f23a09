// Thin: read the inputs, run @bpf-ci/vm, publish the summary and outputs.
import { existsSync, readFileSync } from 'node:fs';
import { parseQuarantine } from '@bpf-ci/flaky';
import { ActionsLogger, appendStepSummary, getInput, getMultilineInput, setOutputs } from '@bpf-ci/gh';
import { writeSummary } from '@bpf-ci/report';
import { buildPlan, parseArch, runnerLines, runVmTests } from '@bpf-ci/vm';

const logger = new ActionsLogger();

function wholeNumber(input: string, name: string, fallback: string): number {
  const text = input || fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: '${text}' is not a whole number (0 or more)`);
  return n;
}

async function main(): Promise<void> {
  const arch = parseArch(getInput('arch') || 'x86_64');
  const minutes = Number(getInput('timeout-minutes') || '30');
  if (!Number.isInteger(minutes) || minutes <= 0)
    throw new Error(`timeout-minutes: '${getInput('timeout-minutes')}' is not a positive whole number`);
  const passMinutes = wholeNumber(getInput('denylist-pass-minutes'), 'denylist-pass-minutes', '0');
  const plan = buildPlan(
    {
      arch,
      selftestsDir: getInput('selftests-dir', { required: true }),
      runners: runnerLines(getInput('runners') || 'test_progs'),
      allowlists: getMultilineInput('allowlists'),
      denylists: getMultilineInput('denylists'),
      timeoutSec: minutes * 60,
      retry: {
        attempts: wholeNumber(getInput('retries'), 'retries', '1'),
        maxFailures: wholeNumber(getInput('max-failures'), 'max-failures', '10'),
        failOnFlaky: getInput('fail-on-flaky') === 'true',
      },
      ...(passMinutes > 0 ? { denylistPass: { timeoutSec: passMinutes * 60 } } : {}),
    },
    logger,
  );
  // The caller's quarantine file, when it has one: a malformed file fails the step with line and column.
  const quarantineName = getInput('quarantine-file') || '.github/bpf-ci-quarantine.yml';
  const quarantine = existsSync(quarantineName)
    ? { file: parseQuarantine(readFileSync(quarantineName, 'utf8'), quarantineName), name: quarantineName }
    : undefined;
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
      ...(quarantine ? { quarantine } : {}),
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
