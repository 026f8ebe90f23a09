// run-report action: the whole run's report with @bpf-ci/run-report; files, deliveries, outputs.
import { appendStepSummary, runAction, setOutputs } from '@bpf-ci/gh';
import { runReportStep } from '@bpf-ci/run-report';
import { Inputs } from './inputs.ts';

export function run(): Promise<number> {
  return runAction(Inputs, async (inputs, logger) => {
    await runReportStep(inputs, { logger, env: process.env, appendSummary: appendStepSummary, setOutputs });
  });
}
