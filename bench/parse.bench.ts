// Parse throughput on a large verbose test_progs log built in memory from the real formats (result
// lines, PASS/FAIL assertion lines, libbpf lines, timestamped console lines, a failure block
// re-printed under `All error logs:`, the Summary), against a plain line split of the same text
// measured side by side. Then memory: the heap parseFile needs for a 1/3-size and a full-size log
// with the same tests and failures, to show it follows the failures kept, not the log size.
import { rmSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseFile, parseText } from '@bpf-ci/parsers';
import type { BenchRow } from './bench.ts';

const TESTS = 3000;
const SUBTESTS = 10;
const FAILURES = 60;
const MB = 1024 * 1024;

/** Passing log lines as test_progs -v prints them (taken from the samples). */
const PASS_LINES = [
  'test_tcp:PASS:start_server 0 nsec',
  'test_tcp:PASS:connect_to_fd_server 0 nsec',
  'create_netns:PASS:ip netns add mptcp_ns 0 nsec',
  "libbpf: prog 'fmod_ret_test': BPF program load failed: Invalid argument",
  'test_setget_sockopt:PASS:attach_cgroup 0 nsec',
  '(network_helpers.c:107: errno: Protocol not available) Failed to create server socket',
  'verify_tsk:PASS:bpf_map_lookup_elem 0 nsec',
];
const CONSOLE_LINE = '[   32.224641] bpf_testmod: loading out-of-tree module taints kernel.';

/** A test_progs -v run of TESTS × SUBTESTS with `linesPerSubtest` log lines each (~40 bytes). */
export function buildLog(linesPerSubtest: number): string {
  const parts: string[] = ['./test_progs -v'];
  const failed: string[] = [];
  for (let n = 1; n <= TESTS; n++) {
    const fails = n % Math.floor(TESTS / FAILURES) === 0;
    const block: string[] = [];
    for (let s = 1; s <= SUBTESTS; s++) {
      for (let i = 0; i < linesPerSubtest; i++) {
        block.push(i % 50 === 49 ? CONSOLE_LINE : (PASS_LINES[(n + s + i) % PASS_LINES.length] ?? ''));
      }
      const failHere = fails && s === SUBTESTS;
      if (failHere) block.push(`test_case_${n}:FAIL:nr_listen unexpected nr_listen: actual 0 != expected 1`);
      const num = `${n}/${s}`;
      block.push(`#${num.padEnd(7)} test_${n}/sub ${s}, with: colons:${failHere ? 'FAIL' : 'OK'}`);
    }
    block.push(`#${String(n).padEnd(7)} test_${n}:${fails ? 'FAIL' : 'OK'}`);
    parts.push(...block);
    if (fails) failed.push(...block.slice(-42));
  }
  parts.push('', 'All error logs:', ...failed);
  const f = FAILURES;
  parts.push(`Summary: ${TESTS - f}/${TESTS * SUBTESTS - f} PASSED, 0 SKIPPED, ${f} FAILED`, '');
  return parts.join('\n');
}

/** The baseline: split the same text into line strings, nothing else. */
function splitLines(text: string): number {
  let n = 0;
  let start = 0;
  let nl: number;
  while ((nl = text.indexOf('\n', start)) !== -1) {
    if (text.slice(start, nl).length >= 0) n++;
    start = nl + 1;
  }
  return n;
}

/** The streaming baseline: read, decode and split the file the way parseFile does, nothing else. */
async function streamSplit(path: string): Promise<number> {
  let carry: Buffer | undefined;
  let n = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: MB })) {
    const buf = carry ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    const lastNl = buf.lastIndexOf(10);
    if (lastNl === -1) {
      carry = buf;
      continue;
    }
    n += splitLines(buf.toString('utf8', 0, lastNl + 1));
    carry = buf.subarray(lastNl + 1);
  }
  return n;
}

/**
 * Median CPU time (user + system) of `fn` after one warm-up. CPU time, not wall time: this machine
 * is shared with other builds (load average above 10 on 2 cores when measured), and wall time then
 * measures the scheduler more than the parser.
 */
async function medianCpuMs(fn: () => unknown, iterations = 5): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

/** A minimal line parser to compare with: split, trim, one result-line regex per line. */
const MINIMAL_RESULT = /^#(\d+)(?:\/(\d+))?[ \t]+(\S.*?):(OK|FAIL|SKIP)$/;
function minimalParse(text: string): number {
  let n = 0;
  let start = 0;
  let nl: number;
  while ((nl = text.indexOf('\n', start)) !== -1) {
    if (MINIMAL_RESULT.test(text.slice(start, nl).trim())) n++;
    start = nl + 1;
  }
  return n;
}

function gcFunction(): () => void {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}

/** Peak heap growth while `fn` runs (sampled every 2 ms and after it), after a full GC. */
async function peakHeapMb(fn: () => Promise<unknown>): Promise<number> {
  const gc = gcFunction();
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 2);
  const result = await fn();
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  clearInterval(timer);
  if (result === undefined) throw new Error('no result');
  return (peak - base) / MB;
}

function checkCounts(text: string): void {
  const r = parseText(text).results[0];
  const c = r?.parsedCounts;
  if (!r || r.countsMismatch || c?.failed !== FAILURES || c.passed !== TESTS - FAILURES) {
    throw new Error(`bench log parsed wrongly: ${JSON.stringify(c)} ${r?.countsMismatch ?? ''}`);
  }
}

export default async function bench(): Promise<BenchRow[]> {
  const big = buildLog(60);
  const small = buildLog(20);
  checkCounts(big);
  const mb = big.length / MB;
  const splitMs = await medianCpuMs(() => splitLines(big));
  const minimalMs = await medianCpuMs(() => minimalParse(big));
  const parseMs = await medianCpuMs(() => parseText(big));
  const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-bench-'));
  const bigPath = join(dir, 'big.log');
  const smallPath = join(dir, 'small.log');
  writeFileSync(bigPath, big);
  writeFileSync(smallPath, small);
  const streamMs = await medianCpuMs(() => streamSplit(bigPath), 3);
  const fileMs = await medianCpuMs(() => parseFile(bigPath), 3);
  const smallHeap = await peakHeapMb(() => parseFile(smallPath));
  const bigHeap = await peakHeapMb(() => parseFile(bigPath));
  rmSync(dir, { recursive: true, force: true });
  const rate = (ms: number): number => Math.round((mb / ms) * 1000);
  const smallMb = (small.length / MB).toFixed(0);
  return [
    {
      name: 'parse: log size',
      value: Number(mb.toFixed(1)),
      unit: 'MB',
      note: `${TESTS} tests x ${SUBTESTS} subtests, ${FAILURES} failures, -v output`,
    },
    { name: 'parse: baseline line split (in memory)', value: rate(splitMs), unit: 'MB/s (CPU time)' },
    {
      name: 'parse: baseline split + trim + one regex',
      value: rate(minimalMs),
      unit: 'MB/s (CPU time)',
    },
    {
      name: 'parse: parseText',
      value: rate(parseMs),
      unit: 'MB/s (CPU time)',
      note: `${(parseMs / splitMs).toFixed(1)}x the split, ${(parseMs / minimalMs).toFixed(1)}x split+regex`,
    },
    { name: 'parse: baseline read+decode+split (file)', value: rate(streamMs), unit: 'MB/s (CPU time)' },
    {
      name: 'parse: parseFile (streaming)',
      value: rate(fileMs),
      unit: 'MB/s (CPU time)',
      note: `${(fileMs / streamMs).toFixed(1)}x the streaming split`,
    },
    {
      name: `parse: parseFile peak heap, ${smallMb} MB log`,
      value: Number(smallHeap.toFixed(1)),
      unit: 'MB',
    },
    {
      name: `parse: parseFile peak heap, ${mb.toFixed(0)} MB log`,
      value: Number(bigHeap.toFixed(1)),
      unit: 'MB',
      note: 'same tests and failures, 3x the log',
    },
  ];
}
