// Everything a report step produces from one Run, computed in one pure call so the action and
// `bpf-ci report` show the same thing: the step summary, the annotations, the export files and the
// outputs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@bpf-ci/logger';
import type { Run } from '@bpf-ci/model';
import { totalCounts } from '@bpf-ci/model';
import type { TitledAnnotation } from '@bpf-ci/protocol';
import { buildAnnotations } from './annotations.ts';
import { toCtrf } from './ctrf.ts';
import { failedLeaves, jobTitle, reportConclusion, runnerName, testLabel } from './describe.ts';
import { toJUnitXml } from './junit.ts';
import { toResultsJson } from './results-json.ts';
import { renderStepSummary, type StepSummaryOptions } from './step-summary.ts';

export interface ReportOptions extends StepSummaryOptions {
  /** Annotations this step may emit (GitHub: 10 per level per step, 50 per job). */
  maxAnnotations?: number;
}

export interface Report {
  summary: string;
  annotations: TitledAnnotation[];
  /** File name → content, written to the output directory. */
  files: { 'results.json': string; 'junit.xml': string; 'ctrf.json': string };
  outputs: { passed: number; failed: number; skipped: number; conclusion: string };
}

export function buildReport(run: Run, options: ReportOptions = {}): Report {
  const annotationOptions = options.maxAnnotations !== undefined ? { maxTotal: options.maxAnnotations } : {};
  const annotations = buildAnnotations(run, annotationOptions);
  const counts = totalCounts(run.binaries);
  return {
    summary: renderStepSummary(run, options),
    annotations,
    files: {
      'results.json': toResultsJson(run),
      'junit.xml': toJUnitXml(run),
      'ctrf.json': `${JSON.stringify(toCtrf(run), null, 2)}\n`,
    },
    outputs: {
      passed: counts.passed,
      failed: counts.failed,
      skipped: counts.skipped,
      conclusion: reportConclusion(run),
    },
  };
}

/** Each failure's log in a folded group; the log goes through logger.untrusted (stop-commands). */
export async function echoFailureLogs(run: Run, logger: Logger): Promise<void> {
  for (const result of run.binaries) {
    for (const { test, parent } of failedLeaves(result)) {
      if (test.log.length === 0) continue;
      await logger.group(`${jobTitle(run, runnerName(run, result))}: ${testLabel(test, parent)}`, () => {
        logger.untrusted(test.log.join('\n'));
        return Promise.resolve();
      });
    }
  }
}

/** summary.md next to results.json: the same Markdown the GitHub step summary shows. */
export function writeSummary(run: Run, outputDir: string): string {
  const path = join(outputDir, 'summary.md');
  writeFileSync(path, renderStepSummary(run));
  return path;
}
