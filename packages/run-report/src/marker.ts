// The hidden marker in the pull-request comment: it finds the one comment bpf-ci keeps per PR, and
// it is the only store of the series' last reported verdict (mail goes out when that changes).
import type { Verdict } from './analyze.ts';

const MARKER = /<!-- bpf-ci-run-report verdict=(success|warning|failure) -->/;

/** The marker line for a comment reporting `verdict`. Carries no text from the run. */
export function commentMarker(verdict: Verdict): string {
  return `<!-- bpf-ci-run-report verdict=${verdict} -->`;
}

/** True when `body` is a comment bpf-ci's run report wrote. */
export function hasMarker(body: string | null | undefined): boolean {
  return body !== null && body !== undefined && MARKER.test(body);
}

/** The verdict a comment last reported, or undefined when it is not ours. */
export function markerVerdict(body: string | null | undefined): Verdict | undefined {
  const m = body ? MARKER.exec(body) : null;
  return (m?.[1] as Verdict | undefined) ?? undefined;
}

/** A failing series is one with real failures; flaky-only runs count as passing (nothing to fix). */
export function isFailing(verdict: Verdict): boolean {
  return verdict === 'failure';
}

/**
 * Mail the author only when the series went from passing to failing or back, as
 * kernel-patches-daemon does. A series never reported before counts as passing, so its first
 * failure is mailed and its first success is not.
 */
export function verdictChanged(previous: Verdict | undefined, current: Verdict): boolean {
  return isFailing(previous ?? 'success') !== isFailing(current);
}
