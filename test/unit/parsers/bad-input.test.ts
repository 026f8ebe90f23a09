// Bad input never throws (except an unknown format, which is a clear error), never drops what was
// parsed, and says the result is partial.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFile, parseText, UnknownFormatError } from '@bpf-ci/parsers';
import { describe, expect, it } from 'vitest';
import { only, sampleText } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-parsers-'));
function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const PASS_LOG = sampleText('test_progs-serial-pass-sockopt-ppc64-2025.log');
const PASS_COUNTS = { passed: 8, passedSubtests: 40, skipped: 0, failed: 0 };

function garbage(size: number, seed = 7): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

describe('bad input', () => {
  it('empty file: partial result, says why', async () => {
    const parsed = await parseFile(file('empty.log', ''));
    expect(parsed.format).toBe('empty');
    const r = only(parsed.results);
    expect(r.complete).toBe(false);
    expect(r.incompleteDetail).toContain('empty');
    const forced = only((await parseFile(file('empty2.log', '\n\n'), { binary: 'test_maps' })).results);
    expect(forced.binary).toBe('test_maps');
    expect(forced.complete).toBe(false);
  });

  it('binary garbage: an unknown format names the file and what was expected', async () => {
    const path = file('garbage.bin', garbage(64 * 1024));
    const err = await parseFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownFormatError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toContain('test_progs');
    expect((err as Error).message).toContain('Summary:');
    expect((err as Error).message).toContain('--binary');
    // Told which binary wrote it: a partial result instead.
    const r = only((await parseFile(path, { binary: 'test_progs' })).results);
    expect(r.complete).toBe(false);
    expect(r.incompleteReasons).toContain('no-summary');
  });

  it('garbage and invalid UTF-8 inside a real log: every result line kept', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x0a]),
      Buffer.from(garbage(4096)),
      Buffer.from('\n'),
      Buffer.from(PASS_LOG),
    ]);
    const r = only((await parseFile(file('mixed.log', bytes))).results);
    expect(r.parsedCounts).toEqual(PASS_COUNTS);
    expect(r.printedCounts).toEqual(PASS_COUNTS);
  });

  it('a multi-byte character split across read chunks is decoded, not dropped', async () => {
    // 1 MiB read chunks: put "é" (2 bytes) across the first boundary, inside a test name.
    const pad = 'x'.repeat((1 << 20) - 12);
    const text = `${pad}\n#1       caf\u00e9:OK\nSummary: 1/0 PASSED, 0 SKIPPED, 0 FAILED\n`;
    const r = only((await parseFile(file('utf8.log', text))).results);
    expect(r.tests.map((t) => t.name)).toEqual(['caf\u00e9']);
  });

  it('a 10 MB line does not stop the parse or lose the results around it', async () => {
    const lines = PASS_LOG.split('\n');
    const at = lines.findIndex((l) => l.includes('sockopt_inherit:OK'));
    const text = [...lines.slice(0, at), `#999 ${'A'.repeat(10 * 1024 * 1024)}`, ...lines.slice(at)].join(
      '\n',
    );
    const names = only(
      parseText(sampleText('test_progs-serial-pass-sockopt-ppc64-2025.log')).results,
    ).tests.map((t) => t.name);
    for (const r of [
      only((await parseFile(file('long.log', text))).results),
      only(parseText(text).results),
    ]) {
      expect(r.tests.map((t) => t.name)).toEqual(names);
      expect(r.parsedCounts).toEqual(PASS_COUNTS);
      expect(r.complete).toBe(true);
    }
  });

  it('a log cut mid-line: what was parsed is kept, the result says truncated', () => {
    const cutAt = PASS_LOG.indexOf('#326/21');
    const text = PASS_LOG.slice(0, cutAt + 20);
    const r = only(parseText(text).results);
    expect(r.complete).toBe(false);
    expect(r.incompleteReasons).toEqual(['no-summary', 'truncated']);
    // #20, #21, #303 and #326/1..#326/20 were complete: the open test is kept as an error with them.
    expect(r.tests.map((t) => `${t.name}:${t.status}:${t.subtests.length}`)).toEqual([
      'bpf_iter_setsockopt:pass:0',
      'bpf_iter_setsockopt_unix:pass:0',
      'setget_sockopt:pass:0',
      'sockopt:error:20',
    ]);
  });

  it('CRLF, ANSI colours and GitHub timestamps are stripped', () => {
    const text = PASS_LOG.split('\n')
      .map(
        (l, i) => `2026-07-01T19:33:${String(i % 60).padStart(2, '0')}.1348805Z \u001b[1;32m${l}\u001b[0m\r`,
      )
      .join('\n');
    const r = only(parseText(text).results);
    expect(r.parsedCounts).toEqual(PASS_COUNTS);
    expect(r.printedCounts).toEqual(PASS_COUNTS);
    expect(r.tests[0]?.name).toBe('bpf_iter_setsockopt');
  });

  it('several runs in one file give several results', () => {
    const text = `${PASS_LOG}\n${sampleText('test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log')}`;
    const parsed = parseText(text);
    expect(parsed.results.map((r) => r.summaryLine)).toEqual([
      'Summary: 8/40 PASSED, 0 SKIPPED, 0 FAILED',
      'Summary: 7/40 PASSED, 0 SKIPPED, 1 FAILED',
    ]);
    expect(parsed.results.every((r) => r.countsMismatch === undefined)).toBe(true);
  });

  it('a crashed run then a retry, with no command line between: two results, logs where they belong', () => {
    const crash = sampleText('test_progs-crash-sigsegv-stacktrace-bpf_tcp_ca-2024.log');
    const retry = sampleText('test_progs-fail-serial_test-find_vma-fragment-libbpf-issue-754.log');
    const text = `${crash}${retry}\n#29/1    bpf_tcp_ca/dctcp:FAIL\n#29      bpf_tcp_ca:FAIL\nSummary: 0/0 PASSED, 0 SKIPPED, 1 FAILED\n`;
    const [first, second] = parseText(text).results;
    expect(first?.incompleteReasons).toEqual(['crash', 'no-summary']);
    expect(first?.tests.map((t) => t.name)).toEqual(['bpf_tcp_ca']);
    expect(second?.complete).toBe(true);
    expect(second?.parsedCounts).toEqual({ passed: 0, passedSubtests: 0, skipped: 0, failed: 1 });
    // The retry's log (printed before its result line) went with the retry, not the crashed run.
    const dctcp = second?.tests[0]?.subtests[0];
    expect(dctcp?.log[0]?.trim()).toBe('serial_test_find_vma:PASS:find_vma__open_and_load 0 nsec');
  });

  it('an unreadable path is an fs error, not a parse result', async () => {
    await expect(parseFile(join(dir, 'missing.log'))).rejects.toThrow(/ENOENT/);
  });
});
