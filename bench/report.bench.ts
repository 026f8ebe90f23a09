// Rendering a whole matrix: 30 jobs × 3,500 results (tests + subtests), 200 failures in all, each
// with a 40-line log, 10 skipped tests per job. Each renderer is timed against JSON.stringify of the
// same Runs (the cheapest thing that touches every result), measured side by side.
import type { Run, TestCase } from '@bpf-ci/model';
import { newBinaryResult, newRun, newTestCase } from '@bpf-ci/model';
import { buildAnnotations, renderStepSummary, toCtrf, toJUnitXml } from '@bpf-ci/report';
import { medianMs, type BenchRow } from './bench.ts';

const JOBS = 30;
const RESULTS_PER_JOB = 3500;
const FAILURES = 200;
const SUBTESTS = 9; // 350 tests × (1 + 9 subtests) = 3,500 results

function job(index: number, failures: number): Run {
  const tests: TestCase[] = [];
  let failed = 0;
  for (let n = 1; n <= RESULTS_PER_JOB / (SUBTESTS + 1); n++) {
    const subtests = Array.from({ length: SUBTESTS }, (_, s) =>
      newTestCase(`subtest_${s} with, some: text`, s === 0 && n % 35 === 0 ? 'skip' : 'pass', {
        number: s + 1,
      }),
    );
    const test = newTestCase(`test_${n}`, 'pass', { number: n, subtests });
    if (failed < failures) {
      failed++;
      const sub = subtests[1];
      if (sub) {
        sub.status = 'fail';
        sub.log = Array.from({ length: 40 }, (_, i) => `run_${n}:PASS:step ${i} 0 nsec`);
        sub.log.push(`run_${n}:FAIL:check unexpected check: actual 10001 != expected 10006`);
        sub.assertions = [
          {
            kind: 'assert',
            func: `run_${n}`,
            tag: 'check',
            message: 'unexpected check: actual 10001 != expected 10006',
            actual: '10001',
            expected: '10006',
            relation: '!=',
          },
        ];
      }
      test.status = 'fail';
    }
    tests.push(test);
  }
  const arch = ['x86_64', 'aarch64', 's390x'][index % 3] ?? 'x86_64';
  return newRun({ arch, toolchain: index % 2 ? 'llvm-18' : 'gcc', runner: 'test_progs' }, [
    newBinaryResult('test_progs', {
      tests,
      printedCounts: { passed: 350 - failed, passedSubtests: 3140 - failed, skipped: 10, failed },
    }),
  ]);
}

export default async function bench(): Promise<BenchRow[]> {
  const runs = Array.from({ length: JOBS }, (_, i) =>
    job(i, Math.floor(FAILURES / JOBS) + (i < FAILURES % JOBS ? 1 : 0)),
  );
  const bytes = (render: (r: Run) => string): number =>
    runs.reduce((sum, r) => sum + Buffer.byteLength(render(r)), 0);
  const stringify = (r: Run): string => JSON.stringify(r);
  const summary = (r: Run): string => renderStepSummary(r);
  const annotations = (r: Run): string => JSON.stringify(buildAnnotations(r));
  const junit = (r: Run): string => toJUnitXml(r);
  const ctrf = (r: Run): string => JSON.stringify(toCtrf(r));
  const baseline = await medianMs(() => runs.forEach(stringify));
  const rows: BenchRow[] = [
    {
      name: 'report: JSON.stringify baseline (30 jobs)',
      value: baseline.toFixed(1),
      unit: 'ms',
      note: `${(bytes(stringify) / 1e6).toFixed(1)} MB`,
    },
  ];
  for (const [name, fn] of [
    ['step summary', summary],
    ['annotations', annotations],
    ['JUnit XML', junit],
    ['CTRF', ctrf],
  ] as const) {
    const ms = await medianMs(() => runs.forEach(fn));
    rows.push({
      name: `report: ${name} (30 jobs)`,
      value: ms.toFixed(1),
      unit: 'ms',
      note: `${(ms / baseline).toFixed(1)}× baseline, ${(bytes(fn) / 1e6).toFixed(2)} MB`,
    });
  }
  const largest = Math.max(...runs.map((r) => Buffer.byteLength(summary(r))));
  rows.push({
    name: 'report: largest step summary',
    value: largest,
    unit: 'bytes',
    note: 'GitHub limit 1,048,576',
  });
  return rows;
}
