// In -j runs, helper programs of other workers (dd, losetup, keyctl, shell scripts) write to the
// same console as test_progs' main process, so a result line can be cut anywhere: its start ends one
// line, its rest starts a later one. Reassembled, the counts equal the tool's own Summary line, and
// no reassembly ever produces a result that was not printed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { walkTests, type BinaryResult } from '@bpf-ci/model';
import { parseText } from '@bpf-ci/parsers';
import { only, sampleText } from './helpers.ts';

const RESULT = /^#\d+(?:\/\d+)?[ \t]+\S.*:(?:OK|FAIL|SKIP)(?: \(.*\))?$/;

/** Real lines that workers' helper programs print. */
const HELPER_OUTPUT = [
  '1+0 records in',
  '1+0 records out',
  '512 bytes (512 B) copied, 0.000123 s, 4.2 MB/s',
  'losetup: /dev/loop0: failed to set up loop device: No such file or directory',
  'add_key: Required key not available',
  'sh: 1: cannot create /sys/kernel/debug/x: Permission denied',
  'Error: Cannot find device "veth0"',
  'RTNETLINK answers: File exists',
];

/**
 * Other output: real helper lines and arbitrary text. Excluded, since no parser could tell them
 * from a part of a cut result line: text ending like a result line (`OK`, `FAIL`, `SKIP`, `)`),
 * text holding what starts one (`#9`), result lines themselves, and lines the log parser reads as
 * something else (a console timestamp, a runner's command line, a Summary).
 */
const noiseLine = fc.oneof(
  fc.constantFrom(...HELPER_OUTPUT),
  fc
    .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789 :=.,+/-_'), maxLength: 60 })
    .filter(
      (s) =>
        !/(?:OK|FAIL|SKIP|\))\s*$/.test(s) &&
        !/^\s*(?:#|\[|Summary)/.test(s) &&
        !s.includes('test_') &&
        s.trim() !== '',
    ),
);

interface Cut {
  /** Where the result line is cut, as a fraction of its length (never at either end). */
  at: number;
  /** Lines of other output between the two parts. */
  noise: string[];
  /** Other output on the line the start ends (written without a newline before it). */
  glued: string | undefined;
}

const cutPlan: fc.Arbitrary<Cut> = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  noise: fc.array(noiseLine, { minLength: 1, maxLength: 3 }),
  glued: fc.option(noiseLine, { nil: undefined }),
});

function cutEveryResultLine(base: string, plans: Cut[]): string {
  const out: string[] = [];
  let n = 0;
  for (const line of base.split('\n')) {
    if (!RESULT.test(line.trim())) {
      out.push(line);
      continue;
    }
    const plan = plans[n++ % plans.length] as Cut;
    const k = 1 + Math.floor(plan.at * (line.length - 1));
    out.push((plan.glued ?? '') + line.slice(0, k), ...plan.noise, line.slice(k));
  }
  return out.join('\n');
}

/** "key status" of every test and subtest: what was printed, nothing more. */
function verdicts(result: BinaryResult): Set<string> {
  return new Set([...walkTests(result.tests)].map((t) => `${t.key} ${t.test.status}`));
}

const BASES = {
  'serial Debian 6.1 run': sampleText('test_progs-debian6.1-tcg.log'),
  // A full real -j run: its own Summary is the reference.
  'full -j Debian 6.1 run': sampleText('test_progs-parallel-full-debian6.1-tcg.log'),
  // A real -j run cut by a hang: no Summary line, so its own clean parse is the reference.
  '-j Debian 6.1 run': sampleText('test_progs-parallel-hung-debian6.1-tcg.log'),
};

describe('result lines cut by other output', () => {
  for (const [name, base] of Object.entries(BASES)) {
    const original = only(parseText(base).results);

    const expected = original.printedCounts ?? original.parsedCounts;

    it(`${name}: the log as captured matches its Summary, when it has one`, () => {
      if (original.printedCounts) expect(original.parsedCounts).toEqual(original.printedCounts);
      else expect(original.incompleteReasons).toContain('no-summary');
    });

    it(`${name}: every result line cut at any point gives the same counts back`, () => {
      const printed = verdicts(original);
      fc.assert(
        fc.property(fc.array(cutPlan, { minLength: 1, maxLength: 64 }), (plans) => {
          const result = only(parseText(cutEveryResultLine(base, plans)).results);
          expect(result.parsedCounts).toEqual(expected);
          expect(result.countsMismatch).toBeUndefined();
          for (const v of verdicts(result)) expect(printed, v).toContain(v);
        }),
        { numRuns: 8 },
      );
    });
  }

  it('joins the shape seen in a real -j run: `#171/28` ends a line, the padded rest comes later', () => {
    const log = [
      '#171/27  sockopt/setsockopt: ignore >PAGE_SIZE optlen:OK',
      '1+0 records in#171/28',
      '1+0 records out',
      '512 bytes (512 B) copied, 0.000123 s, 4.2 MB/s',
      '  sockopt/setsockopt: ctx->optlen == -1 is ok:OK',
      '#171     sockopt:OK',
      'Summary: 1/28 PASSED, 0 SKIPPED, 0 FAILED',
    ];
    // Subtests 1-26 came before.
    const before = Array.from({ length: 26 }, (_, i) => `#171/${i + 1}  sockopt/s${i + 1}:OK`);
    const result = only(parseText([...before, ...log].join('\n')).results);
    expect(result.countsMismatch).toBeUndefined();
    const sockopt = result.tests.find((t) => t.name === 'sockopt');
    expect(sockopt?.subtests.at(-1)).toMatchObject({
      name: 'setsockopt: ctx->optlen == -1 is ok',
      number: 28,
      status: 'pass',
    });
  });

  it('never joins a rest whose name belongs to another test, nor a log line ending in #N', () => {
    const log = [
      '#5/1     foo/a:OK',
      '9: (85) call bpf_this_cpu_ptr#154',
      '#5/2',
      '  bar/b:OK',
      '#5       foo:OK',
      'Summary: 1/1 PASSED, 0 SKIPPED, 0 FAILED',
    ].join('\n');
    const result = only(parseText(log).results);
    expect([...verdicts(result)]).toEqual(['foo pass', 'foo/a pass']);
    expect(result.countsMismatch).toBeUndefined();
  });
});
