// veristat regressions for the run report, from the veristat-diff comparison (its --json output).
import type { VeristatDiff } from '@bpf-ci/veristat';
import { formatPct } from '@bpf-ci/veristat';

/** One program that got worse, in the words the report prints. */
export interface VeristatFinding {
  /** The job (or label) the comparison belongs to: "veristat on x86_64 with gcc". */
  job: string;
  url?: string;
  /** "file/prog". */
  program: string;
  /** What changed: "verdict success → failure", "insns 1000 → 1500 (+50.00 %)". */
  changes: string[];
  level: 'fail' | 'warn';
}

export interface VeristatInput {
  job: string;
  url?: string;
  diff: VeristatDiff;
}

/** Regressions at warn or fail level, worst first; improvements and noise are not listed. */
export function veristatFindings(inputs: readonly VeristatInput[]): VeristatFinding[] {
  const out: VeristatFinding[] = [];
  for (const { job, url, diff } of inputs) {
    const push = (program: string, changes: string[], level: string): void => {
      if (level !== 'fail' && level !== 'warn') return;
      const finding: VeristatFinding = { job, program, changes, level };
      if (url !== undefined) finding.url = url;
      out.push(finding);
    };
    for (const p of diff.programs) {
      const changes: string[] = [];
      if (p.verdictChange === 'new-failure')
        changes.push(`verdict ${p.baseVerdict ?? '?'} → ${p.newVerdict ?? '?'}`);
      for (const m of p.metrics)
        if (m.change === 'regression' && (m.level === 'fail' || m.level === 'warn'))
          changes.push(`${m.metric} ${m.base} → ${m.next} (${formatPct(m.pct)})`);
      if (p.insnLimit && !p.insnLimit.alsoInBase) changes.push('reached the 1M instruction limit');
      if (changes.length > 0) push(`${p.file}/${p.prog}`, changes, p.level);
    }
    for (const a of diff.added)
      push(
        `${a.program.file}/${a.program.prog}`,
        [`new program, verdict ${a.program.verdict ?? '?'}`],
        a.level,
      );
    if (diff.incomplete.new) push('(veristat output)', ['the new run is incomplete'], diff.incomplete.level);
  }
  return out.sort((a, b) => (a.level === b.level ? 0 : a.level === 'fail' ? -1 : 1));
}
