// ci-stats action: sync with @bpf-ci/stats, answer the chosen questions in the step summary. All the
// work is in the package; `bpf-ci stats` runs the same code.
import { appendStepSummary, remainingSummaryBytes, runAction, setOutputs } from '@bpf-ci/gh';
import { Store, answerForSummary, openDatabase, sync } from '@bpf-ci/stats';
import { resolve } from 'node:path';
import { Inputs } from './inputs.ts';

export function run(): Promise<number> {
  return runAction(Inputs, async ({ token, repository, workflow, database, since, questions }, logger) => {
    const url = /^postgres(ql)?:\/\//.test(database) ? database : resolve(database);
    const store = await Store.open(await openDatabase(url), { logger });
    try {
      const env = { ...process.env, GITHUB_TOKEN: token };
      const stats = await sync({
        repository,
        env,
        logger,
        store,
        ...(workflow && { workflow }),
        ...(since && { since: new Date(since) }),
      });
      setOutputs({ runs: stats.runsListed, written: stats.runsWritten, requests: stats.requests });
      const markdown = await answerForSummary(store.db, questions, repository);
      if (Buffer.byteLength(markdown) <= (await remainingSummaryBytes()) - 4096)
        await appendStepSummary(markdown);
      else
        logger.warning(
          'the stats summary does not fit in the step summary: run `bpf-ci stats query` instead',
        );
    } finally {
      await store.close();
    }
  });
}
