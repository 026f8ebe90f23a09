// `bpf-ci parse FILE...`: the command line front of @bpf-ci/parsers. Per file and per run it prints
// the counts in the form BPF CI users know, the tool's own Summary line, whether the run is complete
// (and why not), and every failure with its first assertion; `--json` prints the model (a Run).
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import type { BinaryResult, ConsoleEvent, Run, TestCase } from '@bpf-ci/model';
import { binaryConclusion, newRun } from '@bpf-ci/model';
import {
  binaryFamily,
  mergeJsonSummary,
  parseFile,
  type ParsedLog,
  UnknownFormatError,
} from '@bpf-ci/parsers';
import { jsonWithoutCommands } from '@bpf-ci/protocol';
import { assertionText, countsLine, testLabel } from '@bpf-ci/report';
import { UsageError, type Command } from '../command.ts';

const EXIT_OK = 0;
const EXIT_FAILURES = 1;
const EXIT_UNREADABLE = 2;
const MAX_FAILURES_SHOWN = 50;

interface Parsed {
  file: string;
  log: ParsedLog;
}

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

function stem(file: string): string {
  return basename(file, extname(file));
}

/** `test_progs.json` next to `test_progs.log`: the -J summary of the same run, merged into it. */
async function mergeJsonSummaries(parsed: Parsed[]): Promise<Parsed[]> {
  const out: Parsed[] = [];
  for (const p of parsed) {
    if (p.log.format !== 'test_progs_json') {
      out.push(p);
      continue;
    }
    const partner = parsed.find(
      (q) => q !== p && q.log.format !== 'test_progs_json' && stem(q.file) === stem(p.file),
    );
    const target = partner?.log.results.filter((r) => r.binary.startsWith('test_progs'));
    if (!partner || target?.length !== 1 || !target[0]) {
      out.push(p);
      continue;
    }
    const merged = mergeJsonSummary(target[0], await readFile(p.file, 'utf8'));
    merged.notes.push(`merged with the JSON summary ${p.file}`);
    partner.log.results[partner.log.results.indexOf(target[0])] = merged;
  }
  return out;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function failedTests(result: BinaryResult): { test: TestCase; parent?: TestCase }[] {
  const out: { test: TestCase; parent?: TestCase }[] = [];
  for (const test of result.tests) {
    if (test.status !== 'fail' && test.status !== 'error') continue;
    out.push({ test });
    for (const sub of test.subtests)
      if (sub.status === 'fail' || sub.status === 'error') out.push({ test: sub, parent: test });
  }
  return out;
}

function describeEvent(ev: ConsoleEvent): string {
  const where = ev.test !== undefined ? ` while ${ev.test} ran` : '';
  const line = ev.inputLine !== undefined ? ` (line ${ev.inputLine})` : '';
  const trace = ev.callTrace.find((f) => !f.startsWith('<') && !f.startsWith('? '));
  return `kernel ${ev.kind}${where}${line}: ${ev.title}${trace ? ` [in ${trace}]` : ''}`;
}

function renderResult(result: BinaryResult, index: number, total: number): string[] {
  const lines: string[] = [];
  const run = total > 1 ? ` (run ${index + 1} of ${total})` : '';
  const name = result.variant ? `${result.binary} ${result.variant}` : result.binary;
  lines.push(`  ${name}${run}: ${countsLine(result.parsedCounts)}`);
  if (result.command) lines.push(`    command: ${result.command}`);
  lines.push(`    tool said: ${result.summaryLine ?? '(no summary line)'}`);
  if (result.countsMismatch) lines.push(`    COUNTS MISMATCH: ${result.countsMismatch}`);
  if (result.complete) lines.push('    complete');
  else {
    const why = result.incompleteDetail ? `: ${result.incompleteDetail}` : '';
    lines.push(`    INCOMPLETE (${result.incompleteReasons.join(', ')})${why}`);
  }
  if (result.exitCode !== undefined && result.exitCode !== null)
    lines.push(`    exit code: ${result.exitCode}`);
  if (result.signal) lines.push(`    signal: ${result.signal}`);
  const failures = failedTests(result);
  for (const { test, parent } of failures.slice(0, MAX_FAILURES_SHOWN)) {
    const label = testLabel(test, parent);
    const status = test.status === 'error' ? 'ERROR' : 'FAIL';
    const reason = test.reason ? ` (${test.reason})` : '';
    lines.push(`    ${parent ? '  ' : ''}${status} ${label}${reason}`);
    const first = test.assertions[0];
    // A test whose assertions are its subtests' (test_verifier) shows them once, under the subtest.
    const shownBelow = first !== undefined && test.subtests.some((s) => s.assertions.includes(first));
    if (first && !shownBelow) {
      const more = test.assertions.length > 1 ? ` (+${test.assertions.length - 1} more)` : '';
      const at = first.inputLine !== undefined ? `line ${first.inputLine}: ` : '';
      lines.push(`    ${parent ? '  ' : ''}  -> ${at}${oneLine(assertionText(first))}${more}`);
    }
  }
  if (failures.length > MAX_FAILURES_SHOWN)
    lines.push(`    ... and ${failures.length - MAX_FAILURES_SHOWN} more failed tests (--json has all)`);
  for (const ev of result.events) lines.push(`    ${describeEvent(ev)}`);
  for (const note of result.notes) lines.push(`    note: ${oneLine(note).slice(0, 300)}`);
  return lines;
}

function renderText(parsed: Parsed[]): string {
  const lines: string[] = [];
  for (const { file, log } of parsed) {
    lines.push(`${file} (${log.format}, ${log.results.length} run${log.results.length === 1 ? '' : 's'})`);
    log.results.forEach((r, i) => lines.push(...renderResult(r, i, log.results.length)));
    for (const ev of log.events) lines.push(`  ${describeEvent(ev)}`);
  }
  return `${lines.join('\n')}\n`;
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
