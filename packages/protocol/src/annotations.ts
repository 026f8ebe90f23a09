// Annotations: the lines GitHub shows on the run page. GitHub keeps at most 10 per level (error,
// warning, notice) per step and 50 per job, and silently drops the rest, so every producer picks
// what to show with capAnnotations().
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#setting-an-error-message
import type { AnnotationLevel, AnnotationProperties } from '@bpf-ci/logger';
import { formatCommand } from './commands.ts';

export type { AnnotationLevel } from '@bpf-ci/logger';

/** One annotation as data: producers return these, the adapter's logger emits them. */
export interface Annotation extends AnnotationProperties {
  level: AnnotationLevel;
  message: string;
}

/** An annotation with a title, as every bpf-ci report gives one. */
export type TitledAnnotation = Annotation & { title: string };

/** GitHub shows this many annotations of each level per step. */
export const ANNOTATIONS_PER_LEVEL_PER_STEP = 10;
/** GitHub shows this many annotations per job, shared by its steps. */
export const ANNOTATIONS_PER_JOB = 50;

export interface CapOptions {
  /** Per-level cap (default: GitHub's 10 per level per step). */
  perLevel?: number;
  /** How many may be chosen in all. */
  total: number;
  /** Slots per level already taken (e.g. by a summary notice the caller adds itself). */
  used?: Partial<Record<AnnotationLevel, number>>;
}

/**
 * The annotations to emit, in rank order (lower `rank` first, then given order), within the
 * per-level and total caps. The one place GitHub's caps are applied.
 */
export function capAnnotations<T extends { level: AnnotationLevel; rank?: number }>(
  candidates: readonly T[],
  options: CapOptions,
): { kept: T[]; dropped: T[] } {
  const perLevel = options.perLevel ?? ANNOTATIONS_PER_LEVEL_PER_STEP;
  const used: Record<AnnotationLevel, number> = { error: 0, warning: 0, notice: 0, ...options.used };
  const ranked = candidates
    .map((c, index) => ({ c, index }))
    .sort((a, b) => (a.c.rank ?? 0) - (b.c.rank ?? 0) || a.index - b.index)
    .map(({ c }) => c);
  const kept: T[] = [];
  const dropped: T[] = [];
  for (const c of ranked) {
    if (kept.length >= options.total || used[c.level] >= perLevel) {
      dropped.push(c);
      continue;
    }
    used[c.level]++;
    kept.push(c);
  }
  return { kept, dropped };
}

/** The workflow command line that creates one annotation. */
export function annotationCommand(a: Annotation): string {
  return formatCommand(
    a.level,
    { title: a.title, file: a.file, line: a.line, endLine: a.endLine, col: a.col, endColumn: a.endColumn },
    a.message,
  );
}
