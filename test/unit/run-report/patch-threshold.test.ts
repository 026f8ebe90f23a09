// The config's coverage patch-threshold in the run report: the matrix generator puts it on the
// coverage job, the run-report action gets the test matrix, and the coverage job's results.json
// carries patch coverage. Below the threshold the job and the run fail, with the figures in the
// summary and in the author's report; without a threshold coverage never fails a run.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coverageReport, parseLcov } from '@bpf-ci/coverage';
import { MemoryLogger } from '@bpf-ci/logger';
import { generateMatrix, parseConfig } from '@bpf-ci/matrix';
import { loadRun, toResultsJson } from '@bpf-ci/report';
import { buildRunReport, parsePlannedJobs } from '@bpf-ci/run-report';
import { elements, parseHtml, renderGfm, text } from '../report/gfm.ts';
import { MAPS_PASS, sample } from './matrix.ts';

const TRACEFILE = `SF:/src/linux/kernel/bpf/verifier.c
FN:10,do_check
FN:40,check_struct_ops_btf_id
FNDA:3,do_check
FNDA:0,check_struct_ops_btf_id
DA:10,3
DA:11,3
DA:40,0
DA:41,0
end_of_record
`;

/** The summary's list items as a reader sees them (Markdown rendered the way GitHub does). */
const listItems = (markdown: string): string[] => elements(parseHtml(renderGfm(markdown)), 'li').map(text);

/** The coverage job of the matrix a config makes, as the workflow passes it to run-report (JSON). */
function coverageJob(configYaml: string) {
  const matrix = generateMatrix(parseConfig(configYaml, '.github/bpf-ci.yml'));
  const planned = parsePlannedJobs(JSON.stringify(matrix.test));
  const job = planned.find((p) => p.test === 'coverage');
  if (!job) throw new Error('no coverage job in the matrix');
  return job;
}

/** A passing coverage job's results.json whose change added lines 11 (ran) and 40, 41 (did not). */
async function coverageResults(job: { test: string; arch: string; toolchain: string }, head: string) {
  const run = await loadRun(
    { logs: [sample(MAPS_PASS)], context: { runner: job.test, arch: job.arch, toolchain: job.toolchain } },
    new MemoryLogger(),
  );
  const { report } = coverageReport({
    files: parseLcov(TRACEFILE),
    directories: ['kernel/bpf'],
    sourceDir: '/src/linux',
    diff: { base: 'base1', head, added: new Map([['kernel/bpf/verifier.c', [11, 40, 41]]]) },
  });
  const dir = mkdtempSync(join(tmpdir(), 'patch-threshold-'));
  mkdirSync(join(dir, 'results-coverage'));
  writeFileSync(join(dir, 'results-coverage', 'results.json'), toResultsJson({ ...run, coverage: report }));
  return dir;
}

describe('run report: coverage patch-threshold', () => {
  it('fails the coverage job and the run below the threshold, saying by how much and where', async () => {
    const job = coverageJob('coverage:\n  patch-threshold: 50\n');
    expect(job['coverage-patch-threshold']).toBe(50);
    const report = await buildRunReport({
      results: [await coverageResults(job, 'head<img src=x>|2')],
      planned: [job],
    });
    const summary = report.analysis.jobs.find((j) => j.job.name === job.name)!;
    expect(summary.counts?.failed).toBe(0);
    expect(summary.verdict).toBe('failure');
    expect(report.analysis.verdict).toBe('failure');
    const message = 'Patch coverage 33.3 % is below the threshold of 50 %: 1 of 3 added executable lines of';
    expect(summary.patchThreshold).toMatchObject({ status: 'below', percent: 33.3, threshold: 50 });
    expect(report.summary).toContain('### 🎯 Patch coverage threshold');
    expect(listItems(report.summary)).toEqual([
      `❌ ${job.name}: ${message} base1..head<img src=x>|2 ran in a test`,
    ]);
    // The commit names come from results.json: escaped, shown as text, never markup.
    expect(elements(parseHtml(renderGfm(report.summary)), 'img')).toEqual([]);
    expect(report.author.failedJobs.map((j) => j.name)).toEqual([job.name]);
    expect(report.author.failedJobs[0]?.detail).toContain(message);
    // The plain-text report (mail) wraps lines.
    expect(report.authorText.replace(/\s+/g, ' ')).toContain(message);
  });

  it('passes at or above the threshold and says so', async () => {
    const job = coverageJob('coverage:\n  patch-threshold: 33\n');
    const report = await buildRunReport({ results: [await coverageResults(job, 'head2')], planned: [job] });
    expect(report.analysis.verdict).toBe('success');
    expect(listItems(report.summary)).toContain(
      `✅ ${job.name}: Patch coverage 33.3 % meets the threshold of 33 %: 1 of 3 added executable lines of base1..head2 ran in a test`,
    );
  });

  it('without a threshold in the config, the same uncovered change never fails the run', async () => {
    const job = coverageJob('coverage: {}\n');
    expect(job).not.toHaveProperty('coverage-patch-threshold');
    const report = await buildRunReport({ results: [await coverageResults(job, 'head3')], planned: [job] });
    expect(report.analysis.jobs[0]?.patchThreshold).toBeUndefined();
    expect(report.analysis.verdict).toBe('success');
    expect(report.summary).not.toContain('Patch coverage threshold');
  });

  it('refuses a test matrix whose threshold is not a percentage', () => {
    const entry = { name: 'coverage on x86_64 with gcc', test: 'coverage', arch: 'x86_64', toolchain: 'gcc' };
    expect(() => parsePlannedJobs(JSON.stringify([{ ...entry, 'coverage-patch-threshold': 120 }]))).toThrow(
      /coverage-patch-threshold/,
    );
  });
});
