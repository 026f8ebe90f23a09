// veristat-diff at kernel-patches scale and beyond: 10,000 programs in each of two runs.
// Baseline measured side by side: parsing the two CSVs alone. The diff and the rendering are
// reported as ratios against it.
import { diffRuns, parseCsv, renderMarkdown, veristatDiffFiles } from '@bpf-ci/veristat';
import { MemoryLogger } from '@bpf-ci/logger';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRow } from './bench.ts';

const PROGRAMS = 10_000;
const HEADER =
  'file_name,prog_name,verdict,duration,total_insns,total_states,peak_states,max_states_per_insn,max_mark_read_len,prog_size,prog_size_jited,stack_depth,prog_type,attach_type,mem_peak';

/** Deterministic runs: new differs from base in ~10 % of programs (states, insns, verdict, limit). */
function runs(): { base: string; next: string } {
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const base: string[] = [HEADER];
  const next: string[] = [HEADER];
  for (let i = 0; i < PROGRAMS; i++) {
    const file = `obj_${Math.floor(i / 25)}.bpf.o`;
    const insns = 10 + rand(50_000);
    const states = 1 + rand(3000);
    const row = (verdict: string, dur: number, ins: number, st: number): string =>
      `${file},prog_${i},${verdict},${dur},${ins},${st},${st},3,4,${ins * 8},${ins * 6},64,tracing,trace_fentry,1`;
    base.push(row('success', 100 + rand(5000), insns, states));
    const change = rand(100);
    if (change < 3) next.push(row('failure', 100 + rand(5000), insns, states));
    else if (change < 8) next.push(row('success', 100 + rand(5000), insns + rand(500), states + rand(50)));
    else if (change < 10) next.push(row('success', 100 + rand(5000), Math.max(1, insns - rand(500)), states));
    else if (change < 11) next.push(row('failure', 100 + rand(5000), 1_000_001, states));
    else next.push(row('success', 100 + rand(5000), insns, states));
  }
  return { base: `${base.join('\n')}\n`, next: `${next.join('\n')}\n` };
}

/**
 * Alternates the baseline and the measured function, so both see the same machine load (the
 * machine is shared), and returns the medians of their times and of their per-round ratio.
 */
async function sideBySide(
  baseline: () => unknown,
  measured: () => unknown,
  rounds = 9,
): Promise<{ baseMs: number; ms: number; ratio: number }> {
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const time = async (fn: () => unknown): Promise<number> => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  await baseline();
  await measured();
  const base: number[] = [];
  const meas: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const b = await time(baseline);
    const m = await time(measured);
    base.push(b);
    meas.push(m);
    ratios.push(m / b);
  }
  return { baseMs: median(base), ms: median(meas), ratio: median(ratios) };
}

export default async function bench(): Promise<BenchRow[]> {
  const { base, next } = runs();
  const parseBoth = () => [parseCsv(base), parseCsv(next)] as const;
  const [b, n] = parseBoth();
  const diff = diffRuns(b, n);
  const markdown = renderMarkdown(diff);
  const dir = mkdtempSync(join(tmpdir(), 'veristat-bench-'));
  writeFileSync(join(dir, 'base.csv'), base);
  writeFileSync(join(dir, 'new.csv'), next);

  const parse = await sideBySide(parseBoth, parseBoth);
  const diffing = await sideBySide(parseBoth, () => diffRuns(b, n));
  const rendering = await sideBySide(parseBoth, () => renderMarkdown(diff));
  const endToEnd = await sideBySide(parseBoth, () =>
    veristatDiffFiles({ base: join(dir, 'base.csv'), next: join(dir, 'new.csv') }, new MemoryLogger()),
  );
  const row = (name: string, r: { ms: number; ratio: number }, note = ''): BenchRow => ({
    name,
    value: r.ratio.toFixed(2),
    unit: '× parsing',
    note: `${r.ms.toFixed(1)} ms median${note}`,
  });
  return [
    {
      name: 'veristat: parse 2 × 10,000-program CSVs (baseline)',
      value: parse.baseMs.toFixed(1),
      unit: 'ms',
      note: `${(base.length / 1024).toFixed(0)} KiB each; ratio against itself ${parse.ratio.toFixed(2)}`,
    },
    row('veristat: diff 10,000 × 2 programs (parsed)', diffing),
    row(
      'veristat: render the Markdown summary',
      rendering,
      `; ${(Buffer.byteLength(markdown) / 1024).toFixed(0)} KiB`,
    ),
    row('veristat: files → parse → diff → summary', endToEnd),
  ];
}
