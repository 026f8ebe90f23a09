// The coverage legs: a build with GCOV of the chosen directories is a different kernel (every
// object of those directories changes), so it is its own build job with its own artifact and
// cache key, and one test job that runs all of that build's runners in one VM (coverage is the
// union over the runners; per-runner attribution resets the counters between them). Pure.
import type { Config } from './schema.ts';
import { matches } from './schema.ts';
import type { BuildEntry, TestEntry } from './generate.ts';

export const COVERAGE_SUFFIX = '-coverage';

/** Adds the coverage build and test entries for the builds that `coverage.on` selects. */
export function appendCoverageLegs(config: Config, builds: BuildEntry[], tests: TestEntry[]): void {
  const coverage = config.coverage;
  if (!coverage) return;
  const directories = coverage.directories.map((d) => d.replace(/\/+$/, '')).join('\n');
  for (const build of [...builds]) {
    if (!coverage.on.some((s) => matches(s, build.arch, build.toolchain))) continue;
    const artifact = `${build.artifact}${COVERAGE_SUFFIX}`;
    builds.push({
      ...build,
      name: `${build.name}, GCOV coverage`,
      veristat: false,
      'selftests-targets': build['selftests-targets']
        .split('\n')
        .filter((t) => t !== 'veristat')
        .join('\n'),
      artifact,
      coverage: directories,
    });
    const own = tests.filter((t) => t.artifact === build.artifact && !t.parallel);
    const first = own[0];
    if (!first) continue;
    const label = `${build.arch}-${build.toolchain}`;
    tests.push({
      ...first,
      name: `coverage on ${build.arch} with ${build.toolchain}`,
      test: 'coverage',
      runner: 'coverage',
      runners: own.map((t) => t.runners).join('\n'),
      'timeout-minutes': own.reduce((sum, t) => sum + t['timeout-minutes'], 0),
      'job-timeout-minutes':
        own.reduce((sum, t) => sum + t['timeout-minutes'], 0) +
        first['job-timeout-minutes'] -
        first['timeout-minutes'],
      'continue-on-error': false,
      artifact,
      'results-artifact': `results-coverage-${label}`,
      coverage: directories,
      'coverage-per-runner': coverage['per-runner'],
      ...(coverage['patch-threshold'] !== undefined
        ? { 'coverage-patch-threshold': coverage['patch-threshold'] }
        : {}),
    });
  }
}
