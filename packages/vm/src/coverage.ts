// GCOV counters out of the guest. The kernel exposes them under /sys/kernel/debug/gcov, whose
// .gcda files must be read with a plain `cat`-like copy and whose .gcno entries are symlinks to a
// build tree the guest does not have (https://docs.kernel.org/dev-tools/gcov.html). The guest
// copies only the .gcda files into the output share; the host pairs them with the build's .gcno.
import type { RunnerPlan } from './plan.ts';

/** The guest's debugfs gcov folder, as the runners' root mounts it (guest-init.ts). */
const GCOV = '/host/sys/kernel/debug/gcov';

/** Where in the output folder a capture named `name` puts its .gcda tree. */
export function gcovOutputDir(name = 'all'): string {
  return `gcov/${name}`;
}

/**
 * A guest-shell runner that copies every .gcda into the output share's gcov/NAME folder (and,
 * with `reset`, zeroes the counters afterwards so the next capture holds only what follows).
 */
export function gcovCaptureRunner(options: { name?: string; reset?: boolean } = {}): RunnerPlan {
  const name = options.name ?? 'all';
  if (!/^[A-Za-z0-9_.+-]+$/.test(name))
    throw new Error(`gcov capture name ${JSON.stringify(name)}: letters, digits and _.+- only`);
  const dest = `/out/${gcovOutputDir(name)}`;
  const script = [
    `[ -d ${GCOV} ] || { echo 'no ${GCOV}: the kernel has no CONFIG_GCOV_KERNEL'; exit 1; }`,
    `cd ${GCOV} || exit 1`,
    // One file at a time through cat: the kernel generates each file's content when it is read.
    `find . -name '*.gcda' | while IFS= read -r f; do mkdir -p "${dest}/\${f%/*}" && cat "$f" > "${dest}/$f" || exit 1; done || exit 1`,
    `n=$(find ${dest} -name '*.gcda' | wc -l)`,
    ...(options.reset ? [`echo 1 > ${GCOV}/reset`] : []),
    'sync',
    `echo "gcov: $n .gcda files copied to ${gcovOutputDir(name)}${options.reset ? ', counters reset' : ''}"`,
  ].join('\n');
  return { name: `gcov-${name}`, kind: 'command', argv: ['true'], guestShell: script, timeoutSec: 300 };
}

/** A guest-shell runner that zeroes every GCOV counter. */
export function gcovResetRunner(name: string): RunnerPlan {
  return {
    name: `gcov-reset-${name}`,
    kind: 'command',
    argv: ['true'],
    guestShell: `echo 1 > ${GCOV}/reset`,
    timeoutSec: 60,
  };
}

/**
 * The plan's runners with GCOV capture: one capture after the last runner (gcov/all), or with
 * `perRunner` a reset before the first and a capture-and-reset after each test runner
 * (gcov/<runner>), which attributes coverage to runners.
 */
export function withGcovCapture(
  runners: readonly RunnerPlan[],
  options: { perRunner?: boolean } = {},
): RunnerPlan[] {
  if (!options.perRunner) return [...runners, gcovCaptureRunner()];
  const out: RunnerPlan[] = [gcovResetRunner('start')];
  for (const r of runners) {
    out.push(r);
    if (r.kind !== 'command') out.push(gcovCaptureRunner({ name: r.name, reset: true }));
  }
  return out;
}
