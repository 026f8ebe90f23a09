// Annotations for one Run: ranked (kernel splat and partial run > failure > flaky > other),
// de-duplicated, a notice with the counts, and a notice saying how many more are in the step
// summary. GitHub's caps are applied by @bpf-ci/protocol's capAnnotations().
import type { Run, TestCase, UnmatchedEntry } from '@bpf-ci/model';
import {
  ANNOTATIONS_PER_LEVEL_PER_STEP,
  annotationCommand,
  capAnnotations,
  type AnnotationLevel,
  type TitledAnnotation as Annotation,
} from '@bpf-ci/protocol';
import {
  allEvents,
  assertionText,
  binaryCounts,
  countsLine,
  failedLeaves,
  failureContext,
  flakyEntries,
  jobTitle,
  partialExplanation,
  plural,
  quarantinedEntries,
  quarantineText,
  runName,
  runTitle,
  runnerName,
  testLabel,
} from './describe.ts';

export interface AnnotationOptions {
  /** GitHub shows 10 annotations per level per step. */
  maxPerLevel?: number;
  /** Annotations this step may emit in all (GitHub shows 50 per job, shared by its steps). Default 30. */
  maxTotal?: number;
}

/** Rank: lower is more important. */
const RANK = { splat: 0, partial: 0, failure: 1, flaky: 2, quarantined: 2, other: 3 } as const;
type Kind = keyof typeof RANK;

interface Candidate {
  level: AnnotationLevel;
  title: string;
  message: string;
  kind: Kind;
  rank: number;
  /** What identifies the same finding across binaries ("netcnt" + its message). */
  dedupeKey: string;
  runners: string[];
  label: string;
}

const TITLE_MAX = 255;
const MESSAGE_MAX = 2000;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function candidates(run: Run): Candidate[] {
  const out: Candidate[] = [];
  const add = (kind: Kind, level: AnnotationLevel, runner: string, label: string, message: string): void => {
    const dedupeKey = `${kind}\0${label.replace(/^#[\d/]+ /, '')}\0${message}`;
    const same = out.find((c) => c.dedupeKey === dedupeKey);
    if (same) {
      if (!same.runners.includes(runner)) same.runners.push(runner);
      return;
    }
    out.push({ kind, rank: RANK[kind], level, title: '', message, dedupeKey, runners: [runner], label });
  };

  for (const { event, result } of allEvents(run)) {
    const runner = result ? runnerName(run, result) : (event.binary ?? runName(run));
    const label = `kernel ${event.kind}${event.test ? ` while running ${event.test}` : ''}`;
    add('splat', 'error', runner, label, [event.title, ...event.callTrace.slice(0, 8)].join('\n'));
  }
  if (run.binaries.length === 0) {
    add(
      'partial',
      'error',
      runName(run),
      'no results',
      'No selftest results were found: no log matched the inputs, or every log was empty.',
    );
  }
  if (run.vm?.fault)
    add('partial', 'error', runName(run), 'VM', `The VM did not finish: ${run.vm.fault.detail}.`);
  for (const result of run.binaries) {
    const runner = runnerName(run, result);
    if (!result.complete)
      add('partial', 'error', runner, 'partial results', `Partial results: ${partialExplanation(result)}.`);
    const missed = result.tests.filter((t) => t.status === 'miss');
    if (missed.length > 0) add('partial', 'error', runner, 'tests never reported', missedText(missed));
    for (const u of result.unmatchedEntries ?? [])
      add('other', 'warning', runner, `${u.list}list entry matched nothing`, unmatchedText(u));
    for (const { test, parent } of failedLeaves(result)) {
      if (test.status === 'miss') continue;
      const first = test.assertions[0];
      const context = failureContext(test).filter((l) => !first || !l.includes(assertionText(first)));
      const head = first
        ? assertionText(first)
        : (test.reason ?? `${test.status === 'fail' ? 'failed' : test.status}`);
      const message = [head, ...context.slice(-3)].join('\n');
      add('failure', 'error', runner, testLabel(test, parent), message);
    }
    for (const { key, test } of flakyEntries(result)) {
      const first = test.attempts.flatMap((a) => a.assertions)[0];
      add(
        'flaky',
        'warning',
        runner,
        `flaky ${key}`,
        `Passed after ${test.attempts.length} failed attempt(s)${first ? `; first failure: ${assertionText(first)}` : ''}.`,
      );
    }
    for (const { key, test, mark } of quarantinedEntries(result)) {
      const first = test.assertions[0];
      add(
        'quarantined',
        'warning',
        runner,
        `quarantined ${key}`,
        `Failed, quarantined (not failing the job) ${quarantineText(mark)}${first ? `\n${assertionText(first)}` : ''}`,
      );
    }
    if (result.countsMismatch) add('other', 'warning', runner, 'counts differ', result.countsMismatch);
    for (const note of result.notes) add('other', 'notice', runner, 'note', note);
  }
  for (const c of out) {
    c.title = clip(`${jobTitle(run, c.runners.join(', '))}: ${c.label}`, TITLE_MAX);
    c.message = clip(c.message, MESSAGE_MAX);
  }
  return out;
}

/** "3 selected tests never reported: a (why), b (why), ..." */
export function missedText(missed: readonly TestCase[]): string {
  const shown = missed.slice(0, 10).map((t) => `${t.name} (${t.reason ?? 'no reason known'})`);
  const more = missed.length > shown.length ? `; and ${missed.length - shown.length} more` : '';
  return `${missed.length} selected test(s) never reported: ${shown.join('; ')}${more}`;
}

export function unmatchedText(u: UnmatchedEntry): string {
  return `The ${u.list}list entry '${u.entry}' (${u.source}) matched no test: it tests nothing (a typo or a renamed test?).`;
}

function countsNotice(run: Run): Annotation {
  const lines = run.binaries.map(
    (r) => `${runnerName(run, r)}: ${countsLine(binaryCounts(r))}${r.complete ? '' : ' (partial)'}`,
  );
  return {
    level: 'notice',
    title: runTitle(run),
    message: lines.length > 0 ? lines.join('\n') : 'No selftest results were found.',
  };
}

/** Pick the annotations to emit, most important first, within the per-level and total caps. */
export function buildAnnotations(run: Run, options: AnnotationOptions = {}): Annotation[] {
  const perLevel = options.maxPerLevel ?? ANNOTATIONS_PER_LEVEL_PER_STEP;
  const total = Math.max(1, options.maxTotal ?? 30);
  const all = candidates(run);
  // `notices` slots are kept for the notices added below (counts, and "N more" when needed).
  const select = (notices: number): { kept: Candidate[]; dropped: Candidate[] } =>
    capAnnotations(all, { perLevel, total: Math.max(0, total - notices), used: { notice: notices } });
  const plain = (c: Candidate): Annotation => ({ level: c.level, title: c.title, message: c.message });
  const first = select(1);
  const counts = countsNotice(run);
  if (first.dropped.length === 0) return [...first.kept.map(plain), counts];
  // Some were left out: keep room for the notice that says so.
  const { kept, dropped } = select(Math.min(2, total));
  const more = dropped.length;
  const byKind = (kind: Kind): number => dropped.filter((c) => c.kind === kind).length;
  const parts = [
    byKind('splat') + byKind('partial') > 0
      ? plural(byKind('splat') + byKind('partial'), 'crash or kernel splat')
      : '',
    byKind('failure') > 0 ? plural(byKind('failure'), 'failure') : '',
    byKind('flaky') > 0 ? `${byKind('flaky')} flaky` : '',
    byKind('quarantined') > 0 ? `${byKind('quarantined')} quarantined` : '',
    byKind('other') > 0 ? plural(byKind('other'), 'other finding') : '',
  ].filter((p) => p !== '');
  const overflow: Annotation = {
    level: 'notice',
    title: `${runTitle(run)}: ${more} more in the step summary`,
    message: `${more} more annotations (${parts.join(', ')}) are not shown here because GitHub keeps only ${perLevel} per level per step; every failure is in the step summary and results.json.`,
  };
  return total >= 2 ? [...kept.map(plain), counts, overflow] : [overflow];
}

/** The workflow command lines that create these annotations. */
export function annotationCommands(annotations: readonly Annotation[]): string[] {
  return annotations.map(annotationCommand);
}
