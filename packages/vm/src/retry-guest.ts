// The guest's side of retrying: after a runner ends, wait (bounded) for the host's decision, then
// run what it says. The policy lives on the host (@bpf-ci/flaky), which parses the runner's log with
// the real parser and writes, into the output share:
//   NAME.attempt-K.J.argv  one argument per line (J = 1..COUNT invocations)
//   NAME.attempt-K.plan    "run COUNT TIMEOUT" or "stop", written last (renamed into place)
// Arguments are read into "$@" and never parsed by a shell, whatever a test's name holds.
import type { RetrySettings, RunnerPlan } from './plan.ts';
import { attemptFiles } from './plan.ts';
import { shellQuote } from '@bpf-ci/domain';

const OUT = '/out';

export function retryLines(runner: RunnerPlan, settings: RetrySettings, sharedPrefix: string): string[] {
  const q = shellQuote;
  const name = q(runner.name);
  const last = settings.attempts + 1;
  // Runner names are letters, digits and _.+- (RunnerPlan): safe inside double quotes, where the
  // shell fills in the attempt ($k) and invocation ($j) numbers.
  const files = attemptFiles(runner.name, '$k');
  const path = (file: string): string => `"${OUT}/${file}"`;
  const plan = path(files.plan);
  const out = [
    `# retries of ${runner.name}: the host decides each one`,
    'k=2',
    `while [ "$k" -le ${last} ]; do`,
    `  say retry-wait ${name} "$k"`,
    '  w=0',
    // usleep: poll the share five times a second, for at most waitSec.
    `  while [ ! -f ${plan} ] && [ "$w" -lt ${settings.waitSec * 5} ]; do usleep 200000; w=$((w+1)); done`,
    `  if [ ! -f ${plan} ]; then say retry-timeout ${name} "$k"; break; fi`,
    `  read -r verb count tmo < ${plan}`,
    '  [ "$verb" = run ] || break',
  ];
  if (runner.beforeRetry) out.push(`  sh -c ${q(runner.beforeRetry)}`);
  out.push(
    `  say retry-begin ${name} "$k"`,
    '  start=$(date +%s)',
    '  rc=0',
    '  j=1',
    '  while [ "$j" -le "$count" ]; do',
    '    set --',
    `    while IFS= read -r a; do set -- "$@" "$a"; done < ${path(files.argv('$j'))}`,
    `    timeout -s TERM "$tmo" ${sharedPrefix} "$@" 2>&1 | tee ${path(files.log('$j'))}`,
    '    r=$?',
    '    [ "$r" -ne 0 ] && rc=$r',
    '    j=$((j+1))',
    '  done',
    `  echo "$rc" > ${path(files.exit)}`,
    '  sync',
    `  say retry-end ${name} "$k" "$rc" "$(( $(date +%s) - start ))"`,
    '  k=$((k+1))',
    'done',
    '',
  );
  return out;
}
