// One annotation per new verification failure (naming file and program), and one per program that
// crossed a fail threshold. GitHub's caps are applied by @bpf-ci/protocol's capAnnotations(); when
// some are left out, the last one says how many more there are. Escaping for the workflow command
// is the logger's job.
import { ANNOTATIONS_PER_LEVEL_PER_STEP, capAnnotations, type TitledAnnotation } from '@bpf-ci/protocol';
import type { Level } from './config.ts';
import { formatPct, type VeristatDiff } from './diff.ts';
import { programKey } from './run.ts';
import { statLabel } from './stats.ts';
import { logTail, type VerifierLog } from './verifier-log.ts';

export type VeristatAnnotation = TitledAnnotation;

const SEVERITY: Partial<Record<Level, VeristatAnnotation['level']>> = { fail: 'error', warn: 'warning' };

export function buildAnnotations(
  diff: VeristatDiff,
  options: { logs?: Map<string, VerifierLog>; max?: number; logLines?: number } = {},
): VeristatAnnotation[] {
  const all: VeristatAnnotation[] = [];
  for (const p of diff.programs) {
    const level = SEVERITY[p.verdictLevel];
    if (p.verdictChange === 'new-failure' && level) {
      const log = options.logs?.get(programKey(p));
      const tail = log ? logTail(log, options.logLines ?? 10).lines : [];
      all.push({
        level,
        title: `veristat: new verification failure: ${p.file} ${p.prog}`,
        message: [
          `Program ${p.prog} in ${p.file} passed the verifier in the base run and fails now.`,
          ...(tail.length > 0 ? ['Last lines of the verifier log:', ...tail] : []),
        ].join('\n'),
      });
    }
  }
  for (const p of diff.programs) {
    const crossed = p.metrics.filter((m) => m.level === 'fail');
    if (crossed.length === 0) continue;
    all.push({
      level: 'error',
      title: `veristat: fail threshold crossed: ${p.file} ${p.prog}`,
      message: crossed
        .map((m) => `${statLabel(m.metric)}: ${m.base} → ${m.next} (${formatPct(m.pct)})`)
        .join('\n'),
    });
  }
  for (const p of diff.insnLimit) {
    const level = p.base !== 'at-limit' ? SEVERITY[p.level] : undefined;
    if (level) {
      all.push({
        level,
        title: `veristat: 1M-instruction limit: ${p.file} ${p.prog}`,
        message: `Program ${p.prog} in ${p.file} now reaches the verifier's 1M-instruction limit.`,
      });
    }
  }
  const max = options.max ?? ANNOTATIONS_PER_LEVEL_PER_STEP;
  const first = capAnnotations(all, { perLevel: max, total: max });
  if (first.dropped.length === 0) return first.kept;
  // Keep one slot for the note saying how many more there are.
  const { kept, dropped } = capAnnotations(all, { perLevel: max, total: max - 1 });
  return [
    ...kept,
    {
      level: dropped.some((a) => a.level === 'error') ? 'error' : 'warning',
      title: `veristat: ${dropped.length} more findings`,
      message: `${dropped.length} more programs are listed in the step summary.`,
    },
  ];
}
