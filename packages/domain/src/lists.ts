/** "test_progs, test_verifier\ntest_maps" → ["test_progs", "test_verifier", "test_maps"]. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * POSIX shell single quoting, safe for any text (quotes, newlines, `$(...)`). A word made only of
 * characters no shell treats specially is left bare, so a command meant for pasting stays readable;
 * `=` is not among them (a bare first word `A=b` would be an assignment), nor is the empty word.
 */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
