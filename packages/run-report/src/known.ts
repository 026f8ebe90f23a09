// Known issues from list files: the quarantine file and lists a ci-stats database can export
// (known flaky tests, tests failing on the base branch). One "test" or "test/subtest" per line,
// '*' globs, '#' comments, as selftests' DENYLIST files are written.
import type { KnownIssues } from './analyze.ts';

export interface TestList {
  matches(test: string): boolean;
}

export function parseTestList(text: string): TestList {
  const patterns = text
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter((l) => l !== '')
    .map(
      (p) =>
        new RegExp(
          `^${p
            .split('*')
            .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
            .join('.*')}$`,
        ),
    );
  return {
    // A listed test covers its subtests ("netcnt" matches "netcnt/sub").
    matches: (test) => patterns.some((re) => re.test(test) || re.test(test.split('/')[0] ?? test)),
  };
}

export function knownIssuesFromLists(lists: {
  quarantine?: string;
  knownFlaky?: string;
  failingOnBase?: string;
}): KnownIssues {
  const known: KnownIssues = {};
  if (lists.quarantine !== undefined) {
    const list = parseTestList(lists.quarantine);
    known.isQuarantined = (test) => list.matches(test);
  }
  if (lists.knownFlaky !== undefined) {
    const list = parseTestList(lists.knownFlaky);
    known.isKnownFlaky = (test) => list.matches(test);
  }
  if (lists.failingOnBase !== undefined) {
    const list = parseTestList(lists.failingOnBase);
    known.failsOnBase = (test) => list.matches(test);
  }
  return known;
}
