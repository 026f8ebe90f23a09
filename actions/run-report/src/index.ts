// Entry point: read the inputs (each by its literal name, as action.yml declares it) through
// @bpf-ci/gh, validate them with main.ts's schema, run.
import { ActionsLogger, appendStepSummary, getInput, setOutputs } from '@bpf-ci/gh';
import { Inputs, run } from './main.ts';

const logger = new ActionsLogger();
try {
  const parsed = Inputs.safeParse({
    results: getInput('results'),
    'test-matrix': getInput('test-matrix'),
    veristat: getInput('veristat'),
    quarantine: getInput('quarantine'),
    'known-flaky': getInput('known-flaky'),
    'failing-on-base': getInput('failing-on-base'),
    'output-dir': getInput('output-dir'),
    'job-links': getInput('job-links'),
    'pr-comment': getInput('pr-comment'),
    'pr-number': getInput('pr-number'),
    mail: getInput('mail'),
    'mail-from': getInput('mail-from'),
    'mail-to': getInput('mail-to'),
    'mail-cc': getInput('mail-cc'),
    'series-subject': getInput('series-subject'),
    'in-reply-to': getInput('in-reply-to'),
    references: getInput('references'),
    'smtp-host': getInput('smtp-host'),
    'smtp-port': getInput('smtp-port'),
    'smtp-security': getInput('smtp-security'),
    'smtp-user': getInput('smtp-user'),
    'patchwork-url': getInput('patchwork-url'),
    'patchwork-patches': getInput('patchwork-patches'),
    'check-context-prefix': getInput('check-context-prefix'),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`input ${String(issue?.path[0] ?? '')}: ${issue?.message ?? 'invalid'}`);
  }
  await run(parsed.data, { logger, env: process.env, appendSummary: appendStepSummary, setOutputs });
} catch (err) {
  logger.error(`run-report: ${err instanceof Error ? err.message : String(err)}`, {
    title: 'run-report failed',
  });
  process.exitCode = 1;
}
