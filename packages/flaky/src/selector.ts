// Test selectors: "test" or "test/subtest", as test_progs' -a and the list files write them.

/** "test/subtest" → ["test", "subtest"]; a test name never holds '/', a subtest name may. */
export function splitKey(key: string): { test: string; subtest?: string } {
  const at = key.indexOf('/');
  return at < 0 ? { test: key } : { test: key.slice(0, at), subtest: key.slice(at + 1) };
}

/**
 * Why test_progs' `-a` cannot select this name exactly, or undefined when it can: -a splits its
 * argument on commas, and treats `*` as a glob (tools/testing/selftests/bpf/testing_helpers.c,
 * parse_test_list).
 */
export function notExactlySelectable(name: string): string | undefined {
  if (name.includes(',')) return "its name holds ',' (test_progs -a splits on commas)";
  if (name.includes('*')) return "its name holds '*' (test_progs -a reads it as a glob)";
  return undefined;
}

function globRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/**
 * Whether a quarantine/list selector covers a test key. `*` and `?` are globs; a selector without
 * '/' names a top-level test and covers its subtests too ("netcnt" covers "netcnt/basic").
 */
export function selectorMatches(selector: string, key: string): boolean {
  const sel = splitKey(selector);
  const k = splitKey(key);
  if (!globRegExp(sel.test).test(k.test)) return false;
  if (sel.subtest === undefined) return true;
  return k.subtest !== undefined && globRegExp(sel.subtest).test(k.subtest);
}
