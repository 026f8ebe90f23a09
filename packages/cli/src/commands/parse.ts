// `bpf-ci parse FILE...`: the command line front of @bpf-ci/parsers. Per file and per run it prints
// the counts in the form BPF CI users know, the tool's own Summary line, whether the run is complete
// (and why not), and every failure with its first assertion; `--json` prints the model (a Run).
import { INPUT_LIMITS, readInputFile } from '@bpf-ci/input-file';
import { parseArgs } from 'node:util';
import type { Run } from '@bpf-ci/model';
import { binaryConclusion, newRun } from '@bpf-ci/model';
import {
  binaryFamily,
  jsonSummaryOwner,
  mergeJsonSummary,
  parseFile,
  UnknownFormatError,
} from '@bpf-ci/parsers';
import { jsonWithoutCommands } from '@bpf-ci/protocol';
import { UsageError, type Command } from '../command.ts';
import { renderText, type Parsed } from './parse-text.ts';

const EXIT_OK = 0;
const EXIT_FAILURES = 1;
const EXIT_UNREADABLE = 2;

function parseCommandLine(args: string[]): { files: string[]; json: boolean; binary?: string } {
  const { values, positionals: files } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false }, binary: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  const { json, binary } = values;
  if (files.length === 0) throw new UsageError('no FILE given');
  if (binary !== undefined && binaryFamily(binary) === undefined)
    throw new UsageError(
      `--binary ${binary}: expected test_progs, test_progs-<flavour>, test_verifier or test_maps`,
    );
  return binary === undefined ? { files, json } : { files, json, binary };
}

/**
 * Each -J summary merged into the test_progs run it summarises: the run of the log it sits beside
 * (`test_progs.json` next to `test_progs.log`) or, else, the run its libbpf/ci name spells.
 */
async function mergeJsonSummaries(parsed: Parsed[]): Promise<Parsed[]> {
  const isJson = (p: Parsed): boolean => p.log.format === 'test_progs_json';
  // A log holding one test_progs run: the run a summary can be merged into.
  const runs = parsed
    .filter((p) => !isJson(p))
    .flatMap((p) => {
      const found = p.log.results.filter((r) => r.binary.startsWith('test_progs'));
      return found.length === 1 && found[0]
        ? [{ parsed: p, result: found[0], log: p.file, binary: found[0].binary, variant: found[0].variant }]
        : [];
    });
  const out: Parsed[] = [];
  for (const p of parsed) {
    const owner = isJson(p) ? runs[jsonSummaryOwner(p.file, runs)] : undefined;
    if (!owner) {
      out.push(p);
      continue;
    }
    const merged = mergeJsonSummary(
      owner.result,
      await readInputFile(p.file, { maxBytes: INPUT_LIMITS.data, what: 'JSON summary' }),
    );
    merged.notes.push(`merged with the JSON summary ${p.file}`);
    const results = owner.parsed.log.results;
    results[results.indexOf(owner.result)] = merged;
    owner.result = merged;
  }
  return out;
}

function toRun(parsed: Parsed[]): Run {
  const run = newRun(
    {},
    parsed.flatMap((p) => p.log.results),
  );
  run.events = parsed.flatMap((p) => p.log.events);
  run.sources = parsed.map((p) => p.file);
  return run;
}

export const parseCommand: Command = {
  name: 'parse',
  summary:
    'parse selftest logs (test_progs, test_verifier, test_maps, -J JSON, console) and print the results',
  usage: [
    'usage: bpf-ci parse FILE... [--json] [--binary NAME]',
    '',
    'Parses each FILE (test_progs / test_progs-no_alu32 / test_progs-cpuv4 output, serial or -j,',
    'a test_progs -J JSON summary, test_verifier or test_maps output, kselftest-wrapped output, or a',
    'kernel console log) and prints per run: the counts (Success: P/S, Skipped: K, Failed: F), the',
    "tool's own Summary line, COMPLETE or INCOMPLETE with the reason, each failure with its first",
    'assertion, and kernel splats with the test that was running. A JSON summary named like a log',
    '(test_progs.json next to test_progs.log) is merged into that log.',
    '',
    'options:',
    '  --json         print the parsed model (a Run, see packages/model) instead of text',
    '  --binary NAME  the binary that wrote the files (test_progs, test_progs-no_alu32, test_verifier,',
    '                 test_maps...): parse unrecognisable output as a partial run of NAME',
    '',
    'exit status: 0 every run complete and passing, 1 a failure, an incomplete run or a kernel splat,',
    '             2 a file could not be read or is in no known format',
  ].join('\n'),

  async run(args, io) {
    const { files, json, binary } = parseCommandLine(args);
    const parsed: Parsed[] = [];
    let unreadable = false;
    for (const file of files) {
      try {
        parsed.push({ file, log: await parseFile(file, binary === undefined ? {} : { binary }) });
      } catch (err) {
        unreadable = true;
        if (err instanceof UnknownFormatError) io.logger.error(err.message);
        else io.logger.error(`${file}: cannot read: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const merged = await mergeJsonSummaries(parsed);
    if (json) {
      // JSON strings may carry guest text: written so no `::` or `##[` reaches the log.
      io.stdout.write(`${jsonWithoutCommands(JSON.stringify(toRun(merged), null, 2))}\n`);
    } else {
      // Test names and logs are untrusted: inside GitHub Actions io.stdout frames them (main.ts).
      io.stdout.write(renderText(merged));
    }
    if (unreadable) return EXIT_UNREADABLE;
    const results = merged.flatMap((p) => p.log.results);
    const events = merged.flatMap((p) => p.log.events);
    // Any kernel splat (KASAN, BUG, WARNING, lockup...) is a kernel bug, whatever the tests said.
    const bad =
      results.some((r) => binaryConclusion(r) !== 'success' || r.events.length > 0) || events.length > 0;
    return bad ? EXIT_FAILURES : EXIT_OK;
  },
};
