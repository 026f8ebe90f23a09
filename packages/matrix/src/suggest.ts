import { distance } from 'fastest-levenshtein';

/**
 * The candidate a typo most likely meant, or undefined when none is close enough to be a helpful
 * suggestion (at most a third of the word's letters differ, at least one edit allowed).
 */
export function closest(written: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(written.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.floor(Math.max(written.length, 3) / 3));
  return bestDistance <= allowed ? best : undefined;
}
