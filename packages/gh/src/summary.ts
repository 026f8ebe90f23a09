// The step summary file: appended to, never overwritten, since other steps' tools may have written
// to the same step's file; and sized in bytes, since GitHub drops a step's summary past 1 MiB.
import { appendFile, stat } from 'node:fs/promises';
import { STEP_SUMMARY_LIMIT } from '@bpf-ci/protocol';

function summaryPath(env: NodeJS.ProcessEnv): string {
  const path = env['GITHUB_STEP_SUMMARY'];
  if (!path)
    throw new Error(
      'GITHUB_STEP_SUMMARY is not set: the step summary can only be written inside a GitHub Actions step.',
    );
  return path;
}

/** Bytes this step may still add to its summary (GitHub's 1 MiB less what is already there). */
export async function remainingSummaryBytes(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const used = await stat(summaryPath(env)).then(
    (s) => s.size,
    () => 0,
  );
  return Math.max(0, STEP_SUMMARY_LIMIT - used);
}

/** Append Markdown to this step's summary. */
export async function appendStepSummary(
  markdown: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  await appendFile(summaryPath(env), markdown, 'utf8');
}
