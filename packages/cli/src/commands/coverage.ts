// `bpf-ci coverage --lcov FILE [--base REV --head REV --source DIR]`: the coverage report a CI
// job writes, from a local tracefile: totals and the per-file table, patch coverage of a commit
// range with the uncovered added lines as warnings, optionally the HTML report and the JSON that
// goes into results.json.
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  addCoverageToResults,
  annotateUncovered,
  checkPatchThreshold,
  coverageReport,
  gitDiff,
  parseLcov,
  parseUnifiedDiff,
  renderCoverageMarkdown,
  writeHtmlReport,
} from '@bpf-ci/coverage';
import { DEFAULT_COVERAGE_DIRECTORIES, parseCoverageDirectory, splitList } from '@bpf-ci/domain';
import { UsageError, optionsCommand } from '../command.ts';

const usage = `usage: bpf-ci coverage --lcov FILE [--base REV --head REV] [--source DIR] [options]

Print the GCOV coverage report of a tracefile (a job's coverage.lcov, or several merged with
lcov -a) as Markdown: lines, functions and branches of the profiled directories, and the files
with the most uncovered lines.
  --lcov FILE         the LCOV tracefile
  --source DIR        the kernel source tree the tracefile's paths are in (default: .)
  --directories LIST  comma-separated profiled directories (default: ${DEFAULT_COVERAGE_DIRECTORIES.join(',')})
  --base REV --head REV
                      patch coverage: the lines git diff REV REV adds under the directories
                      (in --source, which must be a git checkout; the kernel must be built at
                      --head), listed covered or not; the uncovered ones become warnings
  --threshold PCT     exit 1 when less than PCT % of the added executable lines ran
  --html DIR          also write genhtml's HTML report into DIR
  --json FILE         also write the report as results.json's "coverage" field
  --results FILE      add the report to this results.json (its "coverage" field)

Exit code 1 when --threshold is not met, else 0.`;

export const coverageCommand = optionsCommand({
  name: 'coverage',
  summary: 'report GCOV kernel coverage from an LCOV tracefile, with patch coverage of a commit range',
  usage,
  options: {
    lcov: { type: 'string' },
    source: { type: 'string' },
    directories: { type: 'string' },
    base: { type: 'string' },
    head: { type: 'string' },
    threshold: { type: 'string' },
    html: { type: 'string' },
    json: { type: 'string' },
    results: { type: 'string' },
  },
  async run({ values }, io) {
    if (!values.lcov) throw new UsageError('--lcov FILE is required');
    if ((values.base === undefined) !== (values.head === undefined))
      throw new UsageError('--base and --head go together');
    const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
    if (threshold !== undefined && !(threshold >= 0 && threshold <= 100))
      throw new UsageError(`--threshold ${values.threshold}: a percentage from 0 to 100`);
    if (threshold !== undefined && values.base === undefined)
      throw new UsageError('--threshold needs --base and --head (it applies to patch coverage)');
    let directories: string[];
    try {
      const written =
        values.directories === undefined ? DEFAULT_COVERAGE_DIRECTORIES : splitList(values.directories);
      directories = written.map(parseCoverageDirectory);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const sourceDir = resolve(io.cwd, values.source ?? '.');
    const files = parseLcov(await readFile(resolve(io.cwd, values.lcov), 'utf8'));
    const diff =
      values.base !== undefined && values.head !== undefined
        ? {
            base: values.base,
            head: values.head,
            added: parseUnifiedDiff(await gitDiff(sourceDir, values.base, values.head, directories)),
          }
        : undefined;
    const { report, patch } = coverageReport({ files, directories, sourceDir, ...(diff ? { diff } : {}) });
    io.stdout.write(`${renderCoverageMarkdown(report, patch)}\n`);
    if (patch) annotateUncovered(patch, io.logger);
    if (values.json) await writeFile(resolve(io.cwd, values.json), `${JSON.stringify(report, null, 2)}\n`);
    if (values.results) await addCoverageToResults(resolve(io.cwd, values.results), report);
    if (values.html)
      await writeHtmlReport(resolve(io.cwd, values.lcov), resolve(io.cwd, values.html), sourceDir, io.logger);
    const check = checkPatchThreshold(report.patch, threshold);
    if (check.status === 'below') {
      io.logger.error(check.message);
      return 1;
    }
    if (check.status !== 'not-set') io.logger.info(check.message);
    return 0;
  },
});
