// ci-stats action: read inputs, sync with @bpf-ci/stats, answer the chosen questions in the step
// summary. All the work is in the package; `bpf-ci stats` runs the same code.
import {
  ActionsLogger,
  appendStepSummary,
  getInput,
  getMultilineInput,
  remainingSummaryBytes,
  setOutputs,
} from '@bpf-ci/gh';
import {
  Store,
  answerForSummary,
  openDatabase,
  sync,
  SUMMARY_QUESTIONS,
  type SummaryQuestion,
} from '@bpf-ci/stats';
import { resolve } from 'node:path';

const logger = new ActionsLogger();

async function main(): Promise<void> {
  const token = getInput('token');
  const repository = getInput('repository');
  const questions = getMultilineInput('questions');
  for (const q of questions) {
    if (!SUMMARY_QUESTIONS.includes(q as SummaryQuestion)) {
      throw new Error(`questions: ${JSON.stringify(q)} is not one of ${SUMMARY_QUESTIONS.join(', ')}`);
    }
  }
  const since = getInput('since');
  if (since && Number.isNaN(Date.parse(since)))
    throw new Error(`since must be a date like 2026-01-31, got ${JSON.stringify(since)}`);
  const database = getInput('database') || 'bpf-ci-stats.sqlite';
  const store = await Store.open(
    await openDatabase(/^postgres(ql)?:\/\//.test(database) ? database : resolve(database)),
  );
  try {
    const stats = await sync({
      repository,
      env: { ...process.env, GITHUB_TOKEN: token },
      logger,
      store,
      ...(getInput('workflow') ? { workflow: getInput('workflow') } : {}),
      ...(since ? { since: new Date(since) } : {}),
    });
    setOutputs({ runs: stats.runsListed, written: stats.runsWritten, requests: stats.requests });
    const markdown = await answerForSummary(store.db, questions as SummaryQuestion[], repository);
    if (Buffer.byteLength(markdown) <= (await remainingSummaryBytes()) - 4096)
      await appendStepSummary(markdown);
    else
      logger.warning(
        'the stats summary does not fit in what is left of the step summary: run `bpf-ci stats query` instead',
      );
  } finally {
    await store.close();
  }
}

try {
  await main();
} catch (err) {
  logger.error(err instanceof Error ? err.message : String(err), { title: 'ci-stats failed' });
  process.exitCode = 1;
}
