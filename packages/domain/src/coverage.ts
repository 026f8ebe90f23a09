// Which kernel directories can be profiled with GCOV: source-relative paths of plain segments.
// The names end up in a make expression (the build's per-directory GCOV_PROFILE), so nothing but
// letters, digits and _ . + - may appear, and no segment may be . or .. (none starts with a dot).

export const COVERAGE_DIRECTORY = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*(\/[A-Za-z0-9_][A-Za-z0-9_.+-]*)*\/?$/;

/** The kernel directories profiled when the config names none. */
export const DEFAULT_COVERAGE_DIRECTORIES = ['kernel/bpf'] as const;

/** `dir` without trailing slashes; throws an actionable error when it is not a plain directory. */
export function parseCoverageDirectory(dir: string): string {
  if (!COVERAGE_DIRECTORY.test(dir)) {
    throw new Error(
      `coverage directory ${JSON.stringify(dir)} is not a source-relative directory such as kernel/bpf ` +
        '(letters, digits, _ . + - and / only; no leading /, no segment starting with a dot)',
    );
  }
  return dir.replace(/\/+$/, '');
}
