// Property: whatever console output lands between or inside the lines of a real log, whatever the
// line endings and colours, and wherever the log is cut, parsing never throws and every result line
// that made it completely into the input is in the parsed model.
import type { ParsedLog } from '@bpf-ci/parsers';
import { parseText } from '@bpf-ci/parsers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleText } from './helpers.ts';

const RESULT = /^#(\d+)(?:\/(\d+))?[ \t]+(\S.*?):(OK|FAIL|SKIP)$/;

/** Real console lines (from the samples), timestamped as a serial console prints them. */
const CONSOLE = [
  '[   18.066989] bpf_testmod: loading out-of-tree module taints kernel.',
  '[    1.824515] tsc: Refined TSC clocksource calibration: 2399.983 MHz',
  '[   32.204881] BUG: Bad page state in process test_progs  pfn:11c98b',
  '[   32.224641] Call Trace:',
  '[   32.224646]  dump_stack_lvl+0x4b/0x70',
  '[   32.224644]  <IRQ>',
  '<3>[  107.408167] rcu: INFO: rcu_preempt self-detected stall on CPU',
  '<4>[  107.430421]  queued_spin_lock_slowpath+0x5c/0x440',
  '[   40.000001] ---[ end trace 0000000000000000 ]---',
  '[   41.000000] ==================================================================',
  '[   42.000000] WARNING: CPU: 1 PID: 97 at kernel/bpf/core.c:100 bpf_prog_run+0x10/0x20',
];

const BASES = {
  serialFail: sampleText('test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log'),
  subtests: sampleText('test_progs-pass-subtests-arm32-2023.log'),
};

interface LinePlan {
  before: string[];
  /** Insert a console line inside this line at this fraction of its length (printk mid-line). */
  inside: { at: number; line: string } | undefined;
  crlf: boolean;
  ansi: boolean;
}

const consoleLine = fc.constantFrom(...CONSOLE);
const linePlan: fc.Arbitrary<LinePlan> = fc.record({
  before: fc.array(consoleLine, { maxLength: 2 }),
  inside: fc.option(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), line: consoleLine }), {
    freq: 8,
    nil: undefined,
  }),
  crlf: fc.boolean(),
  ansi: fc.boolean(),
});

/** The interleaved text, and for each result line of the base the offset just past its newline. */
function build(base: string[], plans: LinePlan[]): { text: string; ends: { key: string; end: number }[] } {
  let text = '';
  const ends: { key: string; end: number }[] = [];
  base.forEach((line, i) => {
    const plan = plans[i % plans.length];
    const eol = plan?.crlf ? '\r\n' : '\n';
    for (const c of plan?.before ?? []) text += c + eol;
    const body = plan?.ansi ? `\u001b[1;32m${line}\u001b[0m` : line;
    if (plan?.inside && line.length > 1) {
      const cut = Math.floor(plan.inside.at * line.length);
      text += `${line.slice(0, cut)}${plan.inside.line}${eol}${line.slice(cut)}${eol}`;
    } else {
      text += body + eol;
    }
    const m = RESULT.exec(line.replaceAll('\u00a0', ' ').trim());
    if (m) ends.push({ key: m[2] === undefined ? `${m[1]}` : `${m[1]}/${m[2]}`, end: text.length });
  });
  return { text, ends };
}

function parsedKeys(parsed: ParsedLog): Set<string> {
  const keys = new Set<string>();
  for (const r of parsed.results) {
    for (const t of r.tests) {
      if (t.number !== undefined && t.status !== 'error') keys.add(`${t.number}`);
      for (const s of t.subtests) if (t.number !== undefined) keys.add(`${t.number}/${s.number}`);
    }
  }
  return keys;
}

describe('properties', () => {
  for (const [name, base] of Object.entries(BASES)) {
    it(`${name}: interleaved console, CRLF, ANSI and a cut never throw nor lose a result line`, () => {
      const lines = base.split('\n');
      fc.assert(
        fc.property(
          fc.array(linePlan, { minLength: 1, maxLength: 40 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (plans, cutAt) => {
            const { text, ends } = build(lines, plans);
            const cut = Math.floor(cutAt * text.length);
            // The caller knows test_progs wrote it (a cut can leave nothing recognisable).
            const parsed = parseText(text.slice(0, cut), { binary: 'test_progs' });
            const keys = parsedKeys(parsed);
            for (const { key, end } of ends) if (end <= cut) expect(keys, `result #${key}`).toContain(key);
            for (const r of parsed.results) {
              // Cut before the Summary: said incomplete; after it: complete.
              expect(r.complete).toBe(r.summaryLine !== undefined);
            }
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  it('complete interleaved logs still match their Summary exactly', () => {
    const lines = BASES.serialFail.split('\n');
    fc.assert(
      fc.property(fc.array(linePlan, { minLength: 1, maxLength: 40 }), (plans) => {
        const r = parseText(build(lines, plans).text).results;
        expect(r).toHaveLength(1);
        expect(r[0]?.parsedCounts).toEqual({ passed: 7, passedSubtests: 40, skipped: 0, failed: 1 });
        expect(r[0]?.countsMismatch).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('arbitrary text never throws anything but UnknownFormatError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
        try {
          parseText(s);
        } catch (err) {
          expect((err as Error).name).toBe('UnknownFormatError');
        }
        expect(() => parseText(s, { binary: 'test_progs' })).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
