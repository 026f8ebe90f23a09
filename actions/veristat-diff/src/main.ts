// veristat-diff action: compare with @bpf-ci/veristat, write summary, annotations and outputs.
import { appendStepSummary, remainingSummaryBytes, runAction, setOutputs } from '@bpf-ci/gh';
import { veristatDiffFiles } from '@bpf-ci/veristat';
import { Inputs } from './inputs.ts';

export function run(): Promise<number> {
  return runAction(Inputs, async (inputs, logger) => {
    const { base, config } = inputs;
    const result = await veristatDiffFiles(
      {
        next: inputs.new,
        ...(base && { base }),
        ...(config && { config }),
        verifierLogs: inputs['verifier-logs'],
        maxSummaryBytes: await remainingSummaryBytes(),
      },
      logger,
    );
    await appendStepSummary(result.markdown);
    for (const { level, message, ...where } of result.annotations) logger.annotate(level, message, where);
    setOutputs({
      conclusion: result.diff.conclusion,
      'new-failures': result.counts.newFailures,
      regressions: result.counts.regressions,
    });
    if (result.diff.conclusion !== 'failure') return 0;
    logger.error(`veristat-diff: a fail threshold was crossed:\n${result.diff.failReasons.join('\n')}`);
    return 1;
  });
}
