import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseRun, type RunContext } from '@bpf-ci/model';
import { annotationCommand } from '@bpf-ci/protocol';
import { buildReport, loadRun } from '@bpf-ci/report';
import { UsageError, type Command } from '../command.ts';

const usage = `usage: bpf-ci report FILE... [--arch A] [--toolchain T] [--runner R] [--console FILE]
                     [--max-annotations N] [--repro TEMPLATE]

Preview what the result-parser action shows for a job: prints the step summary (Markdown) and the
annotation commands it would emit.
  FILE                 selftest logs (test_progs, test_verifier, test_maps output), test_progs -J
                       JSON summaries (*.json), or a results.json to render again
  --arch, --toolchain, --runner
                       the job's names, as in "test_progs on x86_64 with gcc"
  --console FILE       a kernel console log to scan for splats (repeatable)
  --max-annotations N  annotations the step may emit (default 30)
  --repro TEMPLATE     a local repro command under each failure; {binary} and {test} are replaced,
                       e.g. "bpf-ci run --arch x86_64 -- ./{binary} -a {test}"`;

export const reportCommand: Command = {
  name: 'report',
  summary: 'print the step summary and annotations the result-parser action would show',
  usage,
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        options: {
          arch: { type: 'string' },
          toolchain: { type: 'string' },
          runner: { type: 'string' },
          console: { type: 'string', multiple: true, default: [] },
          'max-annotations': { type: 'string', default: '30' },
          repro: { type: 'string' },
        },
        strict: true,
        allowPositionals: true,
      });
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    const { values, positionals } = parsed;
    if (positionals.length === 0) throw new UsageError('name at least one log, JSON summary or results.json');
    const maxAnnotations = Number(values['max-annotations']);
    if (!Number.isInteger(maxAnnotations) || maxAnnotations < 1) {
      throw new UsageError(`--max-annotations must be a positive integer, got ${values['max-annotations']}`);
    }
    const context: RunContext = {};
    if (values.arch) context.arch = values.arch;
    if (values.toolchain) context.toolchain = values.toolchain;
    if (values.runner) context.runner = values.runner;

    // results.json files are rendered as they are; other .json files are test_progs -J summaries.
    const logs: string[] = [];
    const jsonSummaries: string[] = [];
    const saved = [];
    for (const file of positionals) {
      if (!file.endsWith('.json')) {
        logs.push(file);
        continue;
      }
      const text = await readFile(resolve(io.cwd, file), 'utf8');
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = undefined; // an empty or cut JSON summary: the parser says what is wrong with it
      }
      if (value !== null && typeof value === 'object' && 'schemaVersion' in value)
        saved.push(parseRun(value, file));
      else jsonSummaries.push(file);
    }
    const run = await loadRun(
      { logs, jsonSummaries, consoleLogs: values.console, context, cwd: io.cwd },
      io.logger,
    );
    for (const previous of saved) {
      run.binaries.push(...previous.binaries);
      run.events.push(...previous.events);
      run.sources.push(...previous.sources);
      run.context = { ...previous.context, ...run.context };
    }
    const options = values.repro ? { maxAnnotations, repro: values.repro } : { maxAnnotations };
    const report = buildReport(run, options);
    // Inside a GitHub Actions step, io.stdout frames the summary's log lines (see main.ts); the
    // annotations are workflow commands on purpose.
    io.stdout.write(`${report.summary}\n`);
    io.commands(report.annotations.map(annotationCommand));
    return 0;
  },
};
