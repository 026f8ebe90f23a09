// Entry point: read the inputs through @bpf-ci/gh, validate them, run.
import { ActionsLogger, appendStepSummary, getInput, setOutputs } from '@bpf-ci/gh';
import { Inputs, run } from './main.ts';

const logger = new ActionsLogger();
try {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(Inputs.shape)) raw[name] = getInput(name);
  const parsed = Inputs.safeParse(raw);
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
