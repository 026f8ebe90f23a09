// test_progs output in its exact format (tools/testing/selftests/bpf/test_progs.c), for fixtures whose size is
// the point (0 to 500 failures). Each passing test has two OK subtests; each failing test one
// failing subtest (log first, then its result line) and one OK subtest; then "All error logs:"
// and the Summary line with test_progs' counting rules.
const line = (num: string, name: string, status: string): string => `#${num.padEnd(7)} ${name}:${status}`;

export function testProgsLog(failures: number, passes: number): string {
  const out: string[] = [];
  const errors: string[] = [];
  let n = 0;
  for (let i = 0; i < passes; i++) {
    n++;
    out.push(
      line(`${n}/1`, `pass_${i}/first`, 'OK'),
      line(`${n}/2`, `pass_${i}/second`, 'OK'),
      line(`${n}`, `pass_${i}`, 'OK'),
    );
  }
  for (let i = 0; i < failures; i++) {
    n++;
    const block = [
      `test_fail_${i}:PASS:setup 0 nsec`,
      `test_fail_${i}:FAIL:value unexpected value: actual ${10000 + i} != expected 10006`,
      line(`${n}/1`, `fail_${i}/check`, 'FAIL'),
    ];
    out.push(...block, line(`${n}/2`, `fail_${i}/other`, 'OK'), line(`${n}`, `fail_${i}`, 'FAIL'));
    errors.push(...block, line(`${n}`, `fail_${i}`, 'FAIL'));
  }
  if (failures > 0) out.push('', 'All error logs:', ...errors);
  // passed = top-level tests without error; passed subtests = OK subtests; FAILED = failed top-level tests
  out.push(`Summary: ${passes}/${passes * 2 + failures} PASSED, 0 SKIPPED, ${failures} FAILED`);
  return `${out.join('\n')}\n`;
}
