// `bpf-ci run-report RESULTS...`: the run report the run-report action writes, from local files.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  buildRunReport,
  composeMail,
  parsePlannedJobs,
  reportFiles,
  writeReportFiles,
  type RunReportInput,
} from '@bpf-ci/run-report';
import { UsageError, optionsCommand } from '../command.ts';

const usage = `usage: bpf-ci run-report RESULTS... [--matrix FILE] [--veristat JOB=FILE]... [--quarantine FILE]
                         [--known-flaky FILE] [--failing-on-base FILE] [--run-url URL] [--repro TEMPLATE]
                         [--output DIR] [--text] [--mail-to ADDR]... [--mail-from ADDR]
                         [--series-subject TEXT] [--in-reply-to MESSAGE-ID]

One report for a whole run: prints the run summary (Markdown) and writes it with the author
report (text and Markdown), the Patchwork check payloads and verdict.json to the output folder.
  RESULTS                results.json files, or folders holding them (downloaded artifacts)
  --matrix FILE          the test matrix (matrix-generator's test-matrix output): planned jobs
                         without results are reported as infrastructure failures
  --veristat JOB=FILE    a veristat-diff --json output and the job it belongs to (repeatable)
  --quarantine FILE      quarantined tests (one "test" or "test/subtest" per line, * globs)
  --known-flaky FILE     tests known to be flaky; --failing-on-base FILE: tests failing on the base
  --run-url URL          the run's page, linked from every job
  --repro TEMPLATE       the repro command; {binary} {test} {arch} {toolchain} are replaced
  --output DIR           where the files go (default out/run-report)
  --text                 print the author report (text) instead of the run summary
  --mail-to, --mail-from, --series-subject, --in-reply-to
                         also write the author mail (author-report.eml, RFC 5322, not sent)

Exit code 1 when the run failed (a real failure, a kernel splat or a job without results).`;

function splitJobFile(value: string): { job: string; file: string } {
  const at = value.lastIndexOf('=');
  if (at <= 0 || at === value.length - 1)
    throw new UsageError(`--veristat expects JOB=FILE, got ${JSON.stringify(value)}`);
  return { job: value.slice(0, at), file: value.slice(at + 1) };
}

export const runReportCommand = optionsCommand({
  name: 'run-report',
  summary: "one report for a whole run's results.json files: run summary, author report, Patchwork checks",
  usage,
  options: {
    matrix: { type: 'string' },
    veristat: { type: 'string', multiple: true, default: [] },
    quarantine: { type: 'string' },
    'known-flaky': { type: 'string' },
    'failing-on-base': { type: 'string' },
    'run-url': { type: 'string' },
    repro: { type: 'string' },
    output: { type: 'string', default: 'out/run-report' },
    text: { type: 'boolean', default: false },
    'mail-to': { type: 'string', multiple: true, default: [] },
    'mail-from': { type: 'string' },
    'series-subject': { type: 'string' },
    'in-reply-to': { type: 'string' },
  },
  positionals: true,
  async run(parsed, io) {
    const { values, positionals } = parsed;
    if (positionals.length === 0) throw new UsageError('name at least one results.json or folder');
    const mailAsked = values['mail-to'].length > 0 || values['mail-from'] !== undefined;
    if (mailAsked && (values['mail-to'].length === 0 || !values['mail-from'] || !values['series-subject']))
      throw new UsageError('a mail needs --mail-to, --mail-from and --series-subject');
    const input: RunReportInput = {
      results: positionals.map((p) => resolve(io.cwd, p)),
      veristat: values.veristat.map(splitJobFile).map((v) => ({ ...v, file: resolve(io.cwd, v.file) })),
    };
    if (values.matrix)
      input.planned = parsePlannedJobs(await readFile(resolve(io.cwd, values.matrix), 'utf8'), values.matrix);
    if (values.quarantine) input.quarantineFile = resolve(io.cwd, values.quarantine);
    if (values['known-flaky']) input.knownFlakyFile = resolve(io.cwd, values['known-flaky']);
    if (values['failing-on-base']) input.failingOnBaseFile = resolve(io.cwd, values['failing-on-base']);
    if (values['run-url']) input.links = { runUrl: values['run-url'] };
    if (values.repro) input.author = { repro: values.repro };

    const report = await buildRunReport(input);
    io.logger.info(
      `${report.resultsFiles.length} results.json file(s), ${report.analysis.jobs.length} job(s)`,
    );
    const files: Record<string, string | Buffer> = reportFiles(report);
    if (mailAsked) {
      const headers = {
        from: values['mail-from']!,
        to: values['mail-to'],
        seriesSubject: values['series-subject']!,
        ...(values['in-reply-to'] ? { inReplyTo: values['in-reply-to'] } : {}),
      };
      files['author-report.eml'] = await composeMail(report.authorText, headers);
    }
    const written = await writeReportFiles(resolve(io.cwd, values.output), files);
    io.stdout.write(values.text ? report.authorText : report.summary);
    io.logger.info(`verdict: ${report.analysis.verdict}; files: ${Object.values(written).join(', ')}`);
    return report.analysis.verdict === 'failure' ? 1 : 0;
  },
});
