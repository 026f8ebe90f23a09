import { describe, expect, it } from 'vitest';
import {
  diffRuns,
  parseConfig,
  parseCsv,
  parseVerifierLogs,
  renderMarkdown,
  sections,
} from '@bpf-ci/veristat';
import { ALLOWED_TAGS, elements, parseHtml, renderGfm, text, HOSTILE } from '../report/gfm.ts';
import { BASELINE_2026, editRow, PATCHED_2026, sample } from './helpers.ts';

const base = sample(BASELINE_2026);
const patched = sample(PATCHED_2026);

/** The 2026 pair with one of each finding, every edit on a real row. */
function scenario(): { base: string; next: string } {
  let next = editRow(patched, 'stack_check', 'bpf_loop.bpf.o,stack_check,failure,411,300,22'); // new failure
  next = editRow(next, '_dissect', 'bpf_flow.bpf.o,_dissect,success,467,211,15'); // states +15.38 %
  next = editRow(next, 'flow_dissector_3', 'bpf_flow.bpf.o,flow_dissector_3,success,2258,1800,58'); // insns +20.16 %, states +1.75 %
  next = editRow(next, 'flow_dissector_4', 'bpf_flow.bpf.o,flow_dissector_4,success,342,259,3'); // states -25 %
  next = editRow(next, 'arena_strsearch', 'arena_strsearch.bpf.o,arena_strsearch,success,65,20,2'); // fixed
  next = editRow(next, 'prog_null_ctx'); // removed
  next += 'new.bpf.o,brand_new,success,5,10,1\n'; // added
  return { base, next };
}

function html(markdown: string) {
  return parseHtml(renderGfm(markdown));
}

function tableRows(root: ReturnType<typeof html>, index: number): string[][] {
  const table = elements(root, 'table')[index]!;
  return elements(table, 'tr')
    .map((tr) => elements(tr, 'td').map((td) => text(td).trim()))
    .filter((r) => r.length > 0);
}

describe('veristat summary Markdown', () => {
  it('lists new failures first, then regressions largest first, then improvements, added, removed', () => {
    const { base: b, next } = scenario();
    const diff = diffRuns(parseCsv(b), parseCsv(next));
    const md = renderMarkdown(diff);
    const headings = elements(html(md), 'h4').map((h) => text(h));
    expect(headings).toEqual([
      'New verification failures (1)',
      'Regressions, largest first (2)',
      'Improvements, largest first (2)',
      'Programs added (1)',
      'Programs removed (1)',
    ]);
    const root = html(md);
    expect(tableRows(root, 0)).toEqual([
      [
        ':x:',
        'bpf_loop.bpf.o',
        'stack_check',
        'success → failure',
        '325 → 300 (-7.69%)',
        '25 → 22 (-12.00%)',
      ],
    ]);
    expect(tableRows(root, 1)).toEqual([
      [
        ':warning:',
        'bpf_flow.bpf.o',
        'flow_dissector_3',
        'success',
        '1498 → 1800 (+20.16%)',
        '57 → 58 (+1.75%)',
      ],
      [':warning:', 'bpf_flow.bpf.o', '_dissect', 'success', '211', '13 → 15 (+15.38%)'],
    ]);
    expect(tableRows(root, 2).map((r) => r.slice(1, 4))).toEqual([
      ['arena_strsearch.bpf.o', 'arena_strsearch', 'failure → success'],
      ['bpf_flow.bpf.o', 'flow_dissector_4', 'success'],
    ]);
    expect(md).toContain(
      ':x: **Fails**: a fail threshold was crossed. 1 new verification failure, 2 regressions, 2 improvements, 1 added, 1 removed.',
    );
    const shown = text(root);
    expect(shown).toContain(
      '13 changes below the noise floor were not counted (Duration (us) under 100000 µs or under 100 %).',
    );
    expect(shown).toContain('Fails on: a new verification failure.');
    expect(sections(diff).regressions.map((p) => p.prog)).toEqual(['flow_dissector_3', '_dissect']);
  });

  it("shows the tail of the new failure's verifier log in <details>, inside a code block", () => {
    const { base: b, next } = scenario();
    const log = [
      'PROCESSING bpf_loop.bpf.o/stack_check, DURATION US: 411, VERDICT: failure, VERIFIER LOG:',
      ...Array.from({ length: 99 }, (_, i) => `${i}: (b7) r${i % 10} = ${i}`),
      "R2 invalid mem access 'scalar' ``` </details> <script>x</script>",
    ].join('\n');
    const md = renderMarkdown(diffRuns(parseCsv(b), parseCsv(next)), { logs: parseVerifierLogs(log) });
    const root = html(md);
    const details = elements(root, 'details');
    expect(text(elements(details[0]!, 'summary')[0]!)).toBe(
      'Verifier log of bpf_loop.bpf.o/stack_check (last 40 of 100 lines)',
    );
    const code = text(elements(details[0]!, 'code')[0]!).trimEnd().split('\n');
    expect(code).toHaveLength(40);
    expect(code[0]).toBe('60: (b7) r0 = 60');
    expect(code.at(-1)).toBe("R2 invalid mem access 'scalar' ``` </details> <script>x</script>");
    expect(elements(root, 'script')).toEqual([]);
  });

  it('folds long sections into <details> and says how many rows were left out', () => {
    let next = patched;
    for (const prog of [
      '_dissect',
      'flow_dissector_0',
      'flow_dissector_1',
      'flow_dissector_2',
      'flow_dissector_3',
      'flow_dissector_4',
      'flow_dissector_5',
      'prog_invalid_flags',
      'prog_nested_calls',
      'prog_non_constant_callback',
      'prog_null_ctx',
      'stack_check',
    ]) {
      next = next.replace(
        new RegExp(`^(.*,${prog},success,\\d+,\\d+,)(\\d+)$`, 'm'),
        (_, head: string, states: string) => `${head}${Number(states) + 1}`,
      );
    }
    const diff = diffRuns(parseCsv(base), parseCsv(next));
    expect(sections(diff).regressions).toHaveLength(12);
    const root = html(renderMarkdown(diff, { maxRows: 5 }));
    const details = elements(root, 'details')[0]!;
    expect(text(elements(details, 'summary')[0]!)).toBe('Show 12 programs');
    expect(elements(details, 'tr').length).toBe(1 + 5);
    expect(renderMarkdown(diff, { maxRows: 5 })).toContain(
      '… and 7 more, left out to keep the summary small.',
    );
    expect(elements(html(renderMarkdown(diff, { foldAfter: 20 })), 'details')).toEqual([]);
  });

  it('renders hostile program names as the text they are: no markup, no extra cells', () => {
    const names = HOSTILE.filter((h) => !h.includes(','));
    const rows = (states: number) =>
      names.map((n, i) => `evil${i}.bpf.o,${n},success,1,10,${states}`).join('\n');
    const header = 'file_name,prog_name,verdict,duration,total_insns,total_states\n';
    const diff = diffRuns(parseCsv(`${header}${rows(1)}\n`), parseCsv(`${header}${rows(2)}\n`));
    expect(diff.programs).toHaveLength(names.length);
    const root = html(renderMarkdown(diff, { foldAfter: 100 }));
    for (const el of elements(root)) expect(ALLOWED_TAGS.has(el.tagName)).toBe(true);
    const shown = tableRows(root, 0);
    expect(shown.map((r) => r.length)).toEqual(names.map(() => 5));
    expect(shown.map((r) => r[2]).sort()).toEqual([...names].sort());
  });

  it('says plainly when there is no baseline', () => {
    const md = renderMarkdown(
      { ...diffRuns(parseCsv(base), parseCsv(base)), baseline: 'missing', conclusion: 'neutral' },
      { baselineNote: 'base.csv does not exist' },
    );
    expect(text(html(md))).toContain(
      'No baseline: there is no veristat result from the base branch to compare with (base.csv does not exist). Nothing was compared, and that is not a failure.',
    );
    expect(md).not.toContain('<table');
  });

  it('a stricter config changes the icons, not the facts', () => {
    const { base: b, next } = scenario();
    const diff = diffRuns(parseCsv(b), parseCsv(next), parseConfig('metrics:\n  insns: { failPct: 20 }\n'));
    const root = html(renderMarkdown(diff));
    expect(tableRows(root, 1)[0]?.slice(0, 3)).toEqual([':x:', 'bpf_flow.bpf.o', 'flow_dissector_3']);
    expect(text(root)).toContain('Fails on: a new verification failure, Insns growing more than 20 %.');
  });

  it('escapes the header of a column it does not know (it comes from the input)', () => {
    const header = 'file_name,prog_name,verdict,<img src=x onerror=alert(1)>|x\n';
    const diff = diffRuns(
      parseCsv(`${header}a.bpf.o,p,success,1\n`),
      parseCsv(`${header}a.bpf.o,p,success,2\n`),
    );
    const root = html(renderMarkdown(diff));
    for (const el of elements(root)) expect(ALLOWED_TAGS.has(el.tagName)).toBe(true);
    expect(elements(root, 'th').map((th) => text(th))).toContain('<img src=x onerror=alert(1)>|x');
  });
});
