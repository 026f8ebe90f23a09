// I/O edge of the report: expand the globs a workflow gives, parse each file with
// @bpf-ci/parsers and assemble one Run. A file that cannot be read is reported and kept as a
// partial result, never silently dropped.
import type { Logger } from '@bpf-ci/logger';
import type { BinaryResult, ConsoleEvent, Run, RunContext } from '@bpf-ci/model';
import { newBinaryResult, newRun, parseRun, ResultsFormatError } from '@bpf-ci/model';
import {
  jsonSummaryOwner,
  jsonSummaryTarget,
  mergeJsonSummary,
  parseConsole,
  parseFile,
  resultFromJsonSummary,
} from '@bpf-ci/parsers';
import { INPUT_LIMITS, readInputFile } from '@bpf-ci/input-file';
import { existsSync } from 'node:fs';
import { glob } from 'node:fs/promises';
import { basename, isAbsolute, resolve } from 'node:path';

export interface LoadRequest {
  /**
   * results.json files a producer wrote (the vmtest-runner's, with the VM's own account): validated
   * and taken as they are. The main input; logs and JSON summaries are for other producers.
   */
  results?: string[];
  /** Newline-separated globs in the action; one pattern per entry here. */
  logs: string[];
  jsonSummaries?: string[];
  consoleLogs?: string[];
  context?: RunContext;
  cwd?: string;
}

/** Files matching the patterns, in pattern order, each once. A pattern matching nothing is a warning. */
export async function expandGlobs(
  patterns: readonly string[],
  cwd: string,
  logger: Logger,
): Promise<string[]> {
  const out: string[] = [];
  for (const pattern of patterns.map((p) => p.trim()).filter((p) => p !== '')) {
    const matches: string[] = [];
    // A file that exists under exactly this name is that file, even when its name has glob
    // characters (`test_progs[1].log` would otherwise look for `test_progs1.log`).
    const literal = resolve(cwd, pattern);
    if (existsSync(literal)) matches.push(literal);
    else
      for await (const match of glob(pattern, { cwd }))
        matches.push(isAbsolute(match) ? match : resolve(cwd, match));
    if (matches.length === 0)
      logger.warning(`No file matches ${JSON.stringify(pattern)} (relative to ${cwd}).`);
    for (const m of matches.sort()) if (!out.includes(m)) out.push(m);
  }
  return out;
}

function unreadable(file: string, err: unknown): BinaryResult {
  const message = err instanceof Error ? err.message : String(err);
  return newBinaryResult(basename(file), {
    complete: false,
    incompleteReasons: ['not-run'],
    incompleteDetail: `${file} could not be parsed: ${message}`,
    notes: [`${basename(file)}: ${message}`],
  });
}

function sameEvent(a: ConsoleEvent, b: ConsoleEvent): boolean {
  return a.title === b.title && a.inputLine === b.inputLine && a.test === b.test;
}

/** Add a validated results.json to `run`: its results, events, sources, context and VM account. */
export function addSavedRun(run: Run, saved: Run): void {
  run.binaries.push(...saved.binaries);
  run.events.push(...saved.events);
  run.sources.push(...saved.sources);
  run.context = { ...saved.context, ...run.context };
  if (saved.vm) run.vm ??= saved.vm;
}

export async function loadRun(request: LoadRequest, logger: Logger): Promise<Run> {
  const cwd = request.cwd ?? process.cwd();
  const run = newRun(request.context ?? {});
  for (const file of await expandGlobs(request.results ?? [], cwd, logger))
    await addResultsFile(run, file, logger);
  for (const file of await expandGlobs(request.logs, cwd, logger)) await addLog(run, file, logger);
  for (const file of await expandGlobs(request.jsonSummaries ?? [], cwd, logger))
    await addJsonSummary(run, file, logger);
  for (const file of await expandGlobs(request.consoleLogs ?? [], cwd, logger))
    await addConsoleLog(run, file, logger);
  return run;
}

/**
 * A results.json: its runs added to `run`; one that cannot be read or is not valid becomes an
 * incomplete result naming it.
 */
async function addResultsFile(run: Run, file: string, logger: Logger): Promise<void> {
  let text: string;
  try {
    text = await readInputFile(file, { maxBytes: INPUT_LIMITS.data, what: 'results.json' });
  } catch (err) {
    logger.error(`${file}: ${err instanceof Error ? err.message : String(err)}`, {
      title: 'Unreadable results.json',
    });
    run.binaries.push(unreadable(file, err));
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    run.binaries.push(
      unreadable(file, new Error(`not JSON: ${err instanceof Error ? err.message : String(err)}`)),
    );
    return;
  }
  try {
    addSavedRun(run, parseRun(value, file));
    logger.info(`${file}: results.json with ${run.binaries.length} runner result(s) so far`);
  } catch (err) {
    if (!(err instanceof ResultsFormatError)) throw err;
    logger.error(err.message, { title: 'Invalid results.json' });
    run.binaries.push(unreadable(file, err));
  }
}

/** A selftest log, parsed: its runs, and the kernel events no run claims. */
async function addLog(run: Run, file: string, logger: Logger): Promise<void> {
  run.sources.push(file);
  try {
    const parsed = await parseFile(file, { source: file });
    logger.info(
      `${file}: ${parsed.format}, ${parsed.results.length} run(s), ${parsed.events.length} kernel event(s)`,
    );
    run.binaries.push(...parsed.results);
    for (const event of parsed.events) {
      const attributed = parsed.results.some((r) => r.events.some((e) => sameEvent(e, event)));
      if (!attributed) run.events.push(event);
    }
  } catch (err) {
    logger.error(`${file}: ${err instanceof Error ? err.message : String(err)}`, {
      title: 'Unreadable selftest log',
    });
    run.binaries.push(unreadable(file, err));
  }
}

/** A `-J` JSON summary, merged into the result of its log (or standing alone, partial). */
async function addJsonSummary(run: Run, file: string, logger: Logger): Promise<void> {
  run.sources.push(file);
  const target = jsonSummaryTarget(file);
  const index = jsonSummaryOwner(file, run.binaries);
  const base = index >= 0 ? run.binaries[index] : undefined;
  try {
    const text = await readInputFile(file, { maxBytes: INPUT_LIMITS.data, what: 'JSON summary' });
    // Without its log, an empty, cut or foreign JSON file is all there is: a partial result, never a pass.
    const merged = base ? mergeJsonSummary(base, text) : resultFromJsonSummary(text, target.binary);
    if (!base && target.variant) merged.variant = target.variant;
    if (index >= 0) run.binaries[index] = merged;
    else run.binaries.push(merged);
    logger.info(
      `${file}: JSON summary merged into ${target.binary}${target.variant ? ` (${target.variant})` : ''}`,
    );
  } catch (err) {
    // A crash leaves the JSON empty or cut: keep what the log gave and say why the JSON was not used.
    const message = `${file}: JSON summary not used: ${err instanceof Error ? err.message : String(err)}`;
    logger.warning(message);
    if (base) base.notes.push(message);
    else run.binaries.push(unreadable(file, err));
  }
}

/** A console log: its kernel events, each given to the runner it names. */
async function addConsoleLog(run: Run, file: string, logger: Logger): Promise<void> {
  run.sources.push(file);
  let events: ConsoleEvent[];
  try {
    events = parseConsole(await readInputFile(file, { what: 'console log' }));
  } catch (err) {
    // The tests' own results stand; only this log's kernel events are missing, and that is said.
    logger.error(`${file}: ${err instanceof Error ? err.message : String(err)}`, {
      title: 'Unreadable console log',
    });
    return;
  }
  logger.info(`${file}: ${events.length} kernel event(s)`);
  for (const event of events) {
    const owner = event.binary ? run.binaries.find((r) => r.binary === event.binary) : undefined;
    (owner ? owner.events : run.events).push(event);
  }
}
