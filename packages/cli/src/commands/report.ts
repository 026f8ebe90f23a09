import { INPUT_LIMITS, readInputFile } from '@bpf-ci/input-file';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isFailed, walkTests, type Run, type RunContext } from '@bpf-ci/model';
import { failureHistory, openDatabase } from '@bpf-ci/stats';
import { annotationCommand } from '@bpf-ci/protocol';
import { buildReport, loadRun, REPRO_VMTEST_TEMPLATE } from '@bpf-ci/report';
import { numberOption, UsageError, optionsCommand } from '../command.ts';

const usage = `usage: bpf-ci report FILE... [--arch A] [--toolchain T] [--runner R] [--console FILE]
                     [--max-annotations N] [--repro TEMPLATE] [--stats-db DB]

Preview what the result-parser action shows for a job: prints the step summary (Markdown) and the
annotation commands it would emit.
  FILE                 selftest logs (test_progs, test_verifier, test_maps output), test_progs -J
                       JSON summaries (*.json), or a results.json to render again
  --arch, --toolchain, --runner
                       the job's names, as in "test_progs on x86_64 with gcc"
  --console FILE       a kernel console log to scan for splats (repeatable)
  --max-annotations N  annotations the step may emit (default 30)
  --repro TEMPLATE     a local repro command under each failure; {binary} and {test} are replaced,
                       e.g. in a job's unpacked build artifact:
                       "${REPRO_VMTEST_TEMPLATE}"
  --stats-db DB        a ci-stats database (SQLite file or postgres:// URL): under each failure, how
                       often that test flipped in the variant's last 50 runs (needs --arch and
                       --toolchain; --runner narrows it)`;

export const reportCommand = optionsCommand({
  name: 'report',
  summary: 'print the step summary and annotations the result-parser action would show',
  usage,
  options: {
    arch: { type: 'string' },
    toolchain: { type: 'string' },
    runner: { type: 'string' },
    console: { type: 'string', multiple: true, default: [] },
    'max-annotations': { type: 'string', default: '30' },
    repro: { type: 'string' },
    'stats-db': { type: 'string' },
  },
  positionals: true,
  async run(parsed, io) {
    const { values, positionals } = parsed;
    if (positionals.length === 0) throw new UsageError('name at least one log, JSON summary or results.json');
    const maxAnnotations = numberOption('--max-annotations', values['max-annotations'], 1);
    const context: RunContext = {};
    if (values.arch) context.arch = values.arch;
    if (values.toolchain) context.toolchain = values.toolchain;
    if (values.runner) context.runner = values.runner;
    if (values['stats-db'] && !(values.arch && values.toolchain))
      throw new UsageError('--stats-db needs --arch and --toolchain: the history is per variant');

    // results.json files are rendered as they are; other .json files are test_progs -J summaries.
    const logs: string[] = [];
    const jsonSummaries: string[] = [];
    const results: string[] = [];
    for (const file of positionals) {
      if (!file.endsWith('.json')) {
        logs.push(file);
        continue;
      }
      const text = await readInputFile(resolve(io.cwd, file), {
        maxBytes: INPUT_LIMITS.data,
        what: 'JSON file',
      });
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = undefined; // an empty or cut JSON summary: the parser says what is wrong with it
      }
      if (value !== null && typeof value === 'object' && 'schemaVersion' in value) results.push(file);
      else jsonSummaries.push(file);
    }
    const run = await loadRun(
      { results, logs, jsonSummaries, consoleLogs: values.console, context, cwd: io.cwd },
      io.logger,
    );
    const history = values['stats-db'] ? await historyOf(run, values['stats-db'], io.cwd) : undefined;
    const report = buildReport(run, {
      maxAnnotations,
      ...(values.repro && { repro: values.repro }),
      ...(history && { history }),
    });
    // Inside a GitHub Actions step, io.stdout frames the summary's log lines (see main.ts); the
    // annotations are workflow commands on purpose.
    io.stdout.write(`${report.summary}\n`);
    io.commands(report.annotations.map(annotationCommand));
    // Nothing to report is an error (a mistyped name, a log that is not there), never a quiet 0.
    return run.binaries.length === 0 && run.events.length === 0 ? 1 : 0;
  },
});

/** The history line of every failed or retried test of the run, from a ci-stats database. */
async function historyOf(run: Run, location: string, cwd: string): Promise<Map<string, string>> {
  const { arch, toolchain, runner } = run.context;
  const url = /^postgres(ql)?:\/\//.test(location);
  // Opening a missing SQLite file would create an empty one and fail later on its missing tables.
  if (!url && !existsSync(resolve(cwd, location)))
    throw new UsageError(`--stats-db ${location}: no such database (bpf-ci stats sync writes one)`);
  const db = await openDatabase(url ? location : resolve(cwd, location));
  try {
    const history = new Map<string, string>();
    for (const result of run.binaries) {
      const keys = [...walkTests(result.tests)]
        .filter(({ test }) => isFailed(test) || test.attempts.length > 0)
        .map(({ key }) => key);
      const variant = { arch: arch ?? '', toolchain: toolchain ?? '', ...(runner && { runner }) };
      for (const [key, line] of await failureHistory(db, { ...variant, binary: result.binary }, keys))
        history.set(key, line);
    }
    return history;
  } finally {
    await db.close();
  }
}
