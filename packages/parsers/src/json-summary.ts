// test_progs -J / --json-summary (tools/testing/selftests/bpf/json_writer.c, written by test_progs.c): its counters are the Summary numbers, its
// `results` list only the failed tests and their failed subtests, with the captured log. The file is
// created at start-up and written at the end, so after a crash it is empty or cut mid-way.
import type { BinaryResult, TestCase } from '@bpf-ci/model';
import { markIncomplete, newBinaryResult, newTestCase } from '@bpf-ci/model';
import { z } from 'zod';
import { extractAssertions } from './assertions.ts';
import { countsDifference } from './run.ts';
import { countTestProgs } from './test-progs.ts';

const JsonSubtest = z.looseObject({
  name: z.string(),
  number: z.number().int().optional(),
  message: z.string().default(''),
  failed: z.boolean().default(true),
});
const JsonTest = JsonSubtest.extend({ subtests: z.array(JsonSubtest).default([]) });
/** Unknown keys (the patch-era `failed_subtest`) are tolerated. */
const JsonSummary = z.looseObject({
  success: z.number().int(),
  success_subtest: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  results: z.array(JsonTest).default([]),
});
type JsonSummary = z.infer<typeof JsonSummary>;

export type JsonRead = { ok: true; summary: JsonSummary } | { ok: false; problem: string };

export function readJsonSummary(text: string): JsonRead {
  if (text.trim() === '') {
    return {
      ok: false,
      problem: 'the JSON summary is empty: test_progs never reached its end (crash, kill or panic)',
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      problem: `the JSON summary is not valid JSON (${err instanceof Error ? err.message : String(err)}): cut while test_progs was writing it`,
    };
  }
  const parsed = JsonSummary.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      problem: `the JSON summary does not have test_progs' shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`,
    };
  }
  return { ok: true, summary: parsed.data };
}

function logLines(message: string): string[] {
  const lines = message.split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function toTest(entry: z.infer<typeof JsonSubtest>): TestCase {
  const log = logLines(entry.message);
  const test = newTestCase(entry.name, entry.failed ? 'fail' : 'pass', { log });
  if (entry.number !== undefined) test.number = entry.number;
  if (entry.failed) test.assertions = extractAssertions(log);
  return test;
}

function fillFrom(target: TestCase, source: TestCase): void {
  if (target.log.length === 0 && source.log.length > 0) {
    target.log = source.log;
    target.assertions = source.assertions;
  }
  if (source.status === 'fail' && target.status === 'pass') target.status = 'fail';
}

/**
 * Merge a -J JSON summary into the result parsed from the same run's stdout. Pure: returns a new
 * result. Counters fill printedCounts when stdout had no Summary (and are cross-checked when it
 * had); failed tests and their logs are added where stdout lacks them. An empty or cut JSON file
 * changes nothing but a note.
 */
export function mergeJsonSummary(result: BinaryResult, jsonText: string): BinaryResult {
  const out = structuredClone(result);
  const read = readJsonSummary(jsonText);
  if (!read.ok) {
    out.notes.push(read.problem);
    return out;
  }
  const s = read.summary;
  const counts = {
    passed: s.success,
    passedSubtests: s.success_subtest,
    skipped: s.skipped,
    failed: s.failed,
  };
  const jsonLine = `Summary: ${s.success}/${s.success_subtest} PASSED, ${s.skipped} SKIPPED, ${s.failed} FAILED`;
  if (!out.printedCounts) {
    out.printedCounts = counts;
    out.summaryLine = `${jsonLine} (from the JSON summary)`;
    if (!out.complete) {
      out.notes.push(
        'the JSON summary is complete, so test_progs reached its end: the stdout capture is what was cut',
      );
    }
  } else {
    const diff = countsDifference(out.printedCounts, counts, out.summaryLine ?? '');
    if (diff) out.notes.push(`the JSON summary disagrees with stdout's Summary: JSON has "${jsonLine}"`);
  }
  for (const entry of s.results) {
    const fromJson = toTest(entry);
    fromJson.subtests = entry.subtests.map(toTest);
    const existing = out.tests.find((t) => t.name === entry.name);
    if (!existing) {
      out.tests.push(fromJson);
      continue;
    }
    fillFrom(existing, fromJson);
    for (const sub of fromJson.subtests) {
      const known = existing.subtests.find((x) => x.name === sub.name);
      if (known) fillFrom(known, sub);
      else existing.subtests.push(sub);
    }
  }
  out.parsedCounts = countTestProgs(out.tests);
  delete out.countsMismatch;
  if (out.printedCounts) {
    const diff = countsDifference(out.printedCounts, out.parsedCounts, out.summaryLine ?? '');
    if (diff) out.countsMismatch = diff;
  }
  return out;
}

/**
 * A JSON summary on its own. It lists failed tests only, so passed and skipped counts can only be
 * the tool's counters; the failed count is cross-checked against the listed failures.
 */
export function resultFromJsonSummary(jsonText: string, binary = 'test_progs'): BinaryResult {
  const result = newBinaryResult(binary);
  const read = readJsonSummary(jsonText);
  if (!read.ok) {
    markIncomplete(result, jsonText.trim() === '' ? 'no-summary' : 'truncated', read.problem);
    return result;
  }
  const s = read.summary;
  result.tests = s.results.map((entry) => {
    const test = toTest(entry);
    test.subtests = entry.subtests.map(toTest);
    return test;
  });
  result.printedCounts = {
    passed: s.success,
    passedSubtests: s.success_subtest,
    skipped: s.skipped,
    failed: s.failed,
  };
  result.summaryLine = `Summary: ${s.success}/${s.success_subtest} PASSED, ${s.skipped} SKIPPED, ${s.failed} FAILED (from the JSON summary)`;
  result.parsedCounts = {
    ...result.printedCounts,
    failed: result.tests.filter((t) => t.status !== 'pass').length,
  };
  result.notes.push(
    'a JSON summary lists failed tests only: the passed and skipped counts are its own counters',
  );
  if (result.parsedCounts.failed !== s.failed) {
    result.countsMismatch = `the JSON summary lists ${result.parsedCounts.failed} failed test(s) but its counter says ${s.failed}`;
  }
  return result;
}
