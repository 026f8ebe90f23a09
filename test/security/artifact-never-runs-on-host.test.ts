// Threat: test_progs and friends are built from the pull request. On the test host (outside QEMU,
// with the action's environment: ACTIONS_RUNTIME_TOKEN, cache and results URLs) they must never
// run; on aarch64/s390x test machines they would even run natively. Planning a run reads the
// binary's option names instead of running its --help.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import { buildRunnerPlan, probeTestProgs } from '@bpf-ci/vm';

/** A host-arch ELF test_progs that writes a marker (with its environment) if anything runs it. */
function standIn(dir: string, marker: string): string {
  const source = join(dir, 'stand-in.c');
  writeFileSync(
    source,
    `#include <stdio.h>
#include <stdlib.h>
/* argp keeps long option names as plain strings: a real test_progs has these. */
const char *options[] = { "workers", "watchdog-timeout", "json-summary", "list", 0 };
int main(void) {
  FILE *f = fopen(${JSON.stringify(marker)}, "w");
  if (f) { fprintf(f, "ran on the host, ACTIONS_RUNTIME_TOKEN=%s\\n", getenv("ACTIONS_RUNTIME_TOKEN") ? "present" : "absent"); fclose(f); }
  puts("--workers --watchdog-timeout --json-summary --list");
  return 0;
}
`,
  );
  const binary = join(dir, 'test_progs');
  execFileSync('cc', ['-O0', '-o', binary, source]);
  return binary;
}

describe('artifact binaries on the test host', () => {
  it('planning test_progs reads its options without ever running it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-sec-standin-'));
    const selftests = join(dir, 'selftests');
    mkdirSync(selftests);
    const marker = join(dir, 'RAN-ON-HOST');
    standIn(selftests, marker);
    // The stand-in works: executed, it leaves the marker (so its absence below means something).
    const control = join(dir, 'control');
    mkdirSync(control);
    const controlMarker = join(control, 'RAN');
    execFileSync(standIn(control, controlMarker), ['--help']);
    expect(existsSync(controlMarker)).toBe(true);

    const logger = new MemoryLogger();
    const plan = buildRunnerPlan(
      { kind: 'test_progs', timeoutSec: 60, workers: 2, watchdogSec: 120, allow: ['align'] },
      selftests,
      logger,
    );
    expect(existsSync(marker), 'the artifact ran on the host').toBe(false);
    expect(probeTestProgs(join(selftests, 'test_progs'))).toMatchObject({
      parallel: true,
      watchdog: true,
      jsonSummary: true,
      list: true,
      how: 'strings',
    });
    expect(plan.argv).toEqual([
      './test_progs',
      '-a',
      'align',
      '-j2',
      '-w',
      '120',
      '-J',
      '/tmp/.bpf-ci/test_progs.json',
    ]);
    expect(existsSync(marker)).toBe(false);
  });
});
