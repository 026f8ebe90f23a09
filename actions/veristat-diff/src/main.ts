// veristat-diff action: read inputs, compare with @bpf-ci/veristat, write summary, annotations, outputs.
import {
  ActionsLogger,
  appendStepSummary,
  getInput,
  getMultilineInput,
  remainingSummaryBytes,
  setOutputs,
} from '@bpf-ci/gh';
import { veristatDiffFiles } from '@bpf-ci/veristat';

const logger = new ActionsLogger();
try {
  const base = getInput('base');
  const config = getInput('config');
  const result = await veristatDiffFiles(
    {
      next: getInput('new', { required: true }),
      ...(base ? { base } : {}),
      ...(config ? { config } : {}),
      verifierLogs: getMultilineInput('verifier-logs'),
      maxSummaryBytes: await remainingSummaryBytes(),
    },
    logger,
  );
  await appendStepSummary(result.markdown);
  for (const a of result.annotations) logger[a.level](a.message, { title: a.title });
  setOutputs({
    conclusion: result.diff.conclusion,
    'new-failures': result.counts.newFailures,
    regressions: result.counts.regressions,
  });
  if (result.diff.conclusion === 'failure') {
    logger.error(`veristat-diff: a fail threshold was crossed:\n${result.diff.failReasons.join('\n')}`);
    process.exitCode = 1;
  }
} catch (err) {
  logger.error(`veristat-diff: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
