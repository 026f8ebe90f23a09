// Every real sample through the parsers. Expected numbers were read by hand from each log's own
// closing line (quoted next to them) and, for the fragments, from counting its result lines.
import { readdirSync } from 'node:fs';
import { walkTests, type BinaryResult } from '@bpf-ci/model';
import { parseFile, parseText } from '@bpf-ci/parsers';
import { buildReport } from '@bpf-ci/report';
import { newRun } from '@bpf-ci/model';
import { describe, expect, it } from 'vitest';
import { only, sample, SAMPLES, sampleText, subNamed, testNamed } from './helpers.ts';

/** Logs with a closing line whose counts must equal what the result lines give. */
const COMPLETE: { file: string; summary: string; counts: BinaryResult['parsedCounts'] }[] = [
  {
    file: 'test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log',
    summary: 'Summary: 7/40 PASSED, 0 SKIPPED, 1 FAILED',
    counts: { passed: 7, passedSubtests: 40, skipped: 0, failed: 1 },
  },
  {
    file: 'test_progs-serial-pass-sockopt-ppc64-2025.log',
    summary: 'Summary: 8/40 PASSED, 0 SKIPPED, 0 FAILED',
    counts: { passed: 8, passedSubtests: 40, skipped: 0, failed: 0 },
  },
  {
    file: 'test_progs-pass-subtests-arm32-2023.log',
    summary: 'Summary: 5/163 PASSED, 0 SKIPPED, 0 FAILED',
    counts: { passed: 5, passedSubtests: 163, skipped: 0, failed: 0 },
  },
  {
    file: 'test_progs-fail-mptcp-no-testmod-6.12.log',
    summary: 'Summary: 0/0 PASSED, 0 SKIPPED, 1 FAILED',
    counts: { passed: 0, passedSubtests: 0, skipped: 0, failed: 1 },
  },
  {
    file: 'test_progs-interleaved-strace-arg_parsing-fail-2025.log',
    summary: 'Summary: 0/1 PASSED, 0 SKIPPED, 1 FAILED',
    counts: { passed: 0, passedSubtests: 1, skipped: 0, failed: 1 },
  },
  {
    // Counted by hand (awk over the result lines before `All error logs:`): 250 top-level OK/SKIP
    // lines; 1,277 subtest OK lines minus prog_tests_framework's dummy one; 47 subtest SKIP lines
    // minus its 2 dummies plus 5 top-level SKIP tests without subtests = 50; 20 top-level FAIL.
    file: 'test_progs-debian6.1-tcg.log',
    summary: 'Summary: 250/1276 PASSED, 50 SKIPPED, 20 FAILED',
    counts: { passed: 250, passedSubtests: 1276, skipped: 50, failed: 20 },
  },
  {
    // A full real `test_progs -d linked_maps -j` run (2 workers). Counted by hand over the result
    // lines before `All error logs:`: 222 top-level OK + 8 SKIP = 230; 1,258 subtest OK lines minus
    // prog_tests_framework's dummy one = 1,257; 45 subtest SKIP lines minus its 2 dummies plus the
    // 5 top-level SKIP tests without subtests = 48; 39 top-level FAIL.
    file: 'test_progs-parallel-full-debian6.1-tcg.log',
    summary: 'Summary: 230/1257 PASSED, 48 SKIPPED, 39 FAILED',
    counts: { passed: 230, passedSubtests: 1257, skipped: 48, failed: 39 },
  },
  {
    file: 'test_verifier-debian6.1-tcg.log',
    summary: 'Summary: 2006 PASSED, 0 SKIPPED, 6 FAILED',
    counts: { passed: 2006, skipped: 0, failed: 6 },
  },
  {
    file: 'test_verifier-not-run-single-2019.log',
    summary: 'Summary: 1 PASSED, 0 SKIPPED, 0 FAILED',
    counts: { passed: 1, skipped: 0, failed: 0 },
  },
];

describe('logs with a Summary line: parsed counts equal the Summary', () => {
  for (const { file, summary, counts } of COMPLETE) {
    it(file, async () => {
      expect(sampleText(file)).toContain(summary); // the expectation is the log's own line
      const parsed = await parseFile(sample(file));
      const r = only(parsed.results);
      expect(r.summaryLine).toBe(summary);
      expect(r.printedCounts).toEqual(counts);
      expect(r.parsedCounts).toEqual(counts);
      expect(r.countsMismatch).toBeUndefined();
      expect(r.complete).toBe(true);
    });
  }

  it('test_maps: OK, 1 SKIPPED (test_maps prints only its skip count)', async () => {
    const r = only((await parseFile(sample('test_maps-debian6.1-tcg.log'))).results);
    expect(r.summaryLine).toBe('test_maps: OK, 1 SKIPPED');
    // 5 batch_ops, 4 map_in_map variants, sk_storage: 10 PASS lines; 1 SKIP line.
    expect(r.parsedCounts).toEqual({ passed: 10, skipped: 1, failed: 0 });
    expect(testNamed(r, 'test_task_storage_map_stress_lookup').reason).toBe('no CONFIG_PREEMPT');
    expect(r.countsMismatch).toBeUndefined();
    expect(r.complete).toBe(true);
  });
});

describe('fragments whose Summary the cut lines cannot match: the mismatch is reported', () => {
  it('parallel xsk tail: 1 failure parsed, Summary says 1/24 passed too', async () => {
    const r = only((await parseFile(sample('test_progs-parallel-fail-xsk-fragment-2025.log'))).results);
    expect(r.printedCounts).toEqual({ passed: 1, passedSubtests: 24, skipped: 0, failed: 1 });
    expect(r.parsedCounts).toEqual({ passed: 0, passedSubtests: 0, skipped: 0, failed: 1 });
    expect(r.countsMismatch).toContain('Summary: 1/24 PASSED, 0 SKIPPED, 1 FAILED');
    expect(r.countsMismatch).toContain('passed 0 (tool: 1)');
  });

  it('kselftest test_verifier tail: 12 lines against 1429/1/9', async () => {
    const r = only((await parseFile(sample('test_verifier-kselftest-lkp-2019-tail.log'))).results);
    expect(r.binary).toBe('test_verifier');
    expect(r.printedCounts).toEqual({ passed: 1429, skipped: 1, failed: 9 });
    expect(r.parsedCounts).toEqual({ passed: 12, skipped: 0, failed: 0 });
    expect(r.countsMismatch).toBeDefined();
    expect(r.notes.join('\n')).toContain('not ok 1 selftests: bpf: test_verifier');
  });
});

describe('logs without a closing line are incomplete', () => {
  const INCOMPLETE = [
    'test_progs-crash-sigsegv-stacktrace-bpf_tcp_ca-2024.log',
    'test_progs-hang-console-interleaved-vmtest-2021-quoted.log',
    'test_progs-parallel-fail-list-llvm18-fragment.log',
    'test_progs-fail-serial_test-find_vma-fragment-libbpf-issue-754.log',
    'test_progs-with-kernel-splat-bad-page-xsk-part1-2025.log',
    'kernel-panic-oops-test_progs-fentry_fexit-aarch64-2024.log',
    'test_verifier-kselftest-lkp-2019-head.log',
    'test_maps-fail-kselftest-tap-2021.log',
    'test_progs-parallel-hung-debian6.1-tcg.log',
  ];
  for (const file of INCOMPLETE) {
    it(file, async () => {
      for (const r of (await parseFile(sample(file))).results) {
        expect(r.complete).toBe(false);
        expect(r.incompleteReasons).toContain('no-summary');
        expect(r.incompleteDetail).toBeTruthy();
        expect(r.printedCounts).toBeUndefined();
      }
    });
  }

  it('every sample is covered by a test above or below', () => {
    const covered = new Set([...COMPLETE.map((c) => c.file), ...INCOMPLETE]);
    const logs = readdirSync(SAMPLES).filter((f) => f.endsWith('.log') && !f.startsWith('kernel-'));
    const extra = [
      'test_maps-debian6.1-tcg.log',
      'test_progs-parallel-fail-xsk-fragment-2025.log',
      'test_verifier-kselftest-lkp-2019-tail.log',
      'test_maps-fail-timeout-then-pass-2021.log',
    ];
    for (const f of extra) covered.add(f);
    expect(logs.filter((f) => !covered.has(f))).toEqual([]);
  });
});

describe('test_progs details', () => {
  it('serial failure: log attached, All error logs not double counted, wrapped assertions joined', async () => {
    const r = only(
      (await parseFile(sample('test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log'))).results,
    );
    expect(r.tests.map((t) => t.name)).toEqual([
      'bpf_iter_setsockopt',
      'bpf_iter_setsockopt_unix',
      'setget_sockopt',
      'sockopt',
      'sockopt_inherit',
      'sockopt_multi',
      'sockopt_qos_to_cc',
      'sockopt_sk',
    ]);
    const failed = testNamed(r, 'setget_sockopt');
    expect(failed.status).toBe('fail');
    expect(failed.number).toBe(303);
    expect(failed.log[0]).toBe('create_netns:PASS:create netns 0 nsec');
    // 24 FAIL lines in the first copy of the log; the second copy adds none.
    expect(failed.assertions).toHaveLength(24);
    expect(failed.assertions[0]).toMatchObject({
      kind: 'assert',
      func: 'test_tcp',
      tag: 'nr_listen',
      actual: '0',
      relation: '!=',
      expected: '1',
    });
    // `...nr_socket_post_create: ⏎actual 0 != expected 2` was wrapped by the mail client.
    expect(failed.assertions[4]).toMatchObject({ tag: 'nr_socket_post_create', actual: '0', expected: '2' });
    const udp = failed.assertions.find((a) => a.func === 'test_udp');
    expect(udp).toMatchObject({ actual: '0', relation: '<', expected: '1' });
    const sockopt = testNamed(r, 'sockopt');
    expect(sockopt.subtests).toHaveLength(40);
    expect(subNamed(sockopt, 'getsockopt: deny writing to ctx->optname').number).toBe(10);
    expect(subNamed(sockopt, 'setsockopt: deny ctx->optlen < 0 (except -1)').status).toBe('pass');
    expect(r.command).toBe('test_progs -t sockopt');
  });

  it('subtest logs go to the subtest; the error-log copy (longer: the reporter trimmed the first) wins', async () => {
    const r = only((await parseFile(sample('test_progs-fail-mptcp-no-testmod-6.12.log'))).results);
    const mptcp = testNamed(r, 'mptcp');
    expect(mptcp.subtests.map((s) => `${s.name}:${s.status}`)).toEqual(['base:fail', 'mptcpify:fail']);
    const base = subNamed(mptcp, 'base');
    expect(base.log[0]).toBe('test_base:PASS:test__join_cgroup 0 nsec');
    expect(base.assertions).toEqual([
      expect.objectContaining({
        func: 'test_base',
        tag: 'start_mptcp_server',
        actual: '-1',
        relation: '<',
        expected: '0',
      }),
    ]);
    const mptcpify = subNamed(mptcp, 'mptcpify');
    expect(mptcpify.assertions.map((a) => a.tag)).toEqual(['start_server', 'run_mptcpify']);
    expect(mptcpify.assertions[1]).toMatchObject({
      message: 'unexpected error: -5 (errno 92)',
      actual: '-5',
    });
    expect(r.notes).toContain('WARNING! Selftests relying on bpf_testmod.ko will be skipped.');
  });

  it('SYS(): the command is the tag, even wrapped over three lines', async () => {
    const r = only((await parseFile(sample('test_progs-parallel-fail-xsk-fragment-2025.log'))).results);
    const xsk = testNamed(r, 'xsk_drv');
    expect(xsk.assertions[0]).toMatchObject({
      kind: 'sys',
      func: 'setup_veth',
      tag: 'ip link add veth0 numtxqueues 4 numrxqueues 4 type veth peer name veth1 numtxqueues 4 numrxqueues 4',
      message: 'unexpected error: 512 (errno 2)',
      actual: '512',
    });
    expect(xsk.assertions[1]).toMatchObject({ kind: 'assert', tag: 'setup veth', actual: '-1' });
  });

  it('a result line after strace output on the same line; a tag with two spaces', async () => {
    const r = only(
      (await parseFile(sample('test_progs-interleaved-strace-arg_parsing-fail-2025.log'))).results,
    );
    const arg = testNamed(r, 'arg_parsing');
    expect(arg.subtests.map((s) => `${s.name}:${s.status}`)).toEqual([
      'test_parse_test_list:pass',
      'test_parse_test_list_file:fail',
    ]);
    expect(subNamed(arg, 'test_parse_test_list_file').assertions[0]).toMatchObject({
      tag: 'test  count',
      actual: '0',
      expected: '4',
    });
    expect(r.exitCode).toBe(1);
  });

  it('crash: the test printed before Caught signal is the one that crashed; backtrace kept', async () => {
    const r = only(
      (await parseFile(sample('test_progs-crash-sigsegv-stacktrace-bpf_tcp_ca-2024.log'))).results,
    );
    expect(r.incompleteReasons).toEqual(['crash', 'no-summary']);
    expect(r.signal).toBe('SIGSEGV');
    const tcp = testNamed(r, 'bpf_tcp_ca');
    expect(tcp.status).toBe('error');
    expect(tcp.reason).toContain('SIGSEGV');
    expect(tcp.log).toContain('./test_progs(crash_handler+0x28)[0x5555567ed91c]');
    expect(tcp.subtests.map((s) => s.name)).toEqual([
      'dctcp',
      'cubic',
      'dctcp_fallback',
      'write_sk_pacing',
      'update_ca',
    ]);
    // `settcpca:FAIL:setsockopt unexpected setsockopt: \` + tab-indented continuation.
    expect(subNamed(tcp, 'update_ca').assertions[1]).toMatchObject({
      func: 'settcpca',
      tag: 'setsockopt',
      actual: '-1',
      relation: '==',
      expected: '-1',
    });
    expect(r.parsedCounts.failed).toBe(1);
  });

  it('parallel failure list: subtests grouped under their test though numbers jump', async () => {
    const r = only((await parseFile(sample('test_progs-parallel-fail-list-llvm18-fragment.log'))).results);
    expect(r.tests.map((t) => `${t.number} ${t.name} ${t.subtests.length}`)).toEqual([
      '13 bpf_cookie 2',
      '77 fentry_fexit 0',
      '78 fentry_test 1',
      '82 fexit_test 1',
      '112 kprobe_multi_test 2',
      '356 test_global_funcs 1',
    ]);
    expect(r.variant).toBe('parallel');
  });

  it('old unpadded format, console lines kept out of test logs, run hung', async () => {
    const r = only(
      (await parseFile(sample('test_progs-hang-console-interleaved-vmtest-2021-quoted.log'))).results,
    );
    expect(r.tests.map((t) => t.name)).toEqual([
      'align',
      'atomic_bounds',
      'atomics',
      'attach_probe',
      'autoload',
      'bind_perm',
      'bloom_filter_map',
      'bpf_cookie',
    ]);
    expect(r.tests.every((t) => t.status === 'pass' && t.log.length === 0)).toBe(true);
    expect(r.incompleteDetail).toContain('#8 bpf_cookie:OK');
  });

  it('a fragment with only assertion lines: the test is named from serial_test_<name>', async () => {
    const r = only(
      (await parseFile(sample('test_progs-fail-serial_test-find_vma-fragment-libbpf-issue-754.log'))).results,
    );
    const t = only(r.tests);
    expect(t.name).toBe('find_vma');
    expect(t.status).toBe('error');
    expect(t.assertions.map((a) => a.tag)).toEqual(['found_vm_exec', 'find_addr_ret', 'find_zero_ret']);
  });

  it('prog_tests_framework: its dummy subtests are printed but not counted (as test_progs does)', async () => {
    const r = only((await parseFile(sample('test_progs-debian6.1-tcg.log'))).results);
    const fw = testNamed(r, 'prog_tests_framework');
    expect(fw.status).toBe('pass');
    // Its deliberate failure is no failure: 20 failed tests listed, as the Summary says.
    expect(subNamed(fw, 'test_fail_subtest').status).toBe('done');
    expect([...walkTests(r.tests)].filter((t) => !t.parent && t.test.status === 'fail')).toHaveLength(20);
    expect([...walkTests(r.tests)].some((t) => t.parent?.name === fw.name && t.test.status === 'fail')).toBe(
      false,
    );
    expect(subNamed(fw, 'test_fail_subtest').reason).toContain('does not count it');
    expect(testNamed(r, 'xdp_synproxy').subtests[0]?.assertions[0]).toMatchObject({
      kind: 'sys',
      tag: 'sysctl -w net.netfilter.nf_conntrack_tcp_loose=0',
    });
  });
});

describe('prog_tests_framework', () => {
  it('its deliberate failure is neither listed nor annotated', async () => {
    const r = only((await parseFile(sample('test_progs-debian6.1-tcg.log'))).results);
    const report = buildReport(newRun({}, [r]), { maxAnnotations: 50 });
    expect(report.summary).not.toContain('test_fail_subtest');
    expect(JSON.stringify(report.annotations)).not.toContain('prog_tests_framework');
  });

  it('when the self-test itself fails, its failed subtest is a failure', () => {
    const log = [
      '#1/1     prog_tests_framework/test_good_subtest:OK',
      '#1/2     prog_tests_framework/test_fail_subtest:FAIL',
      '#1       prog_tests_framework:FAIL',
      'Summary: 0/0 PASSED, 0 SKIPPED, 1 FAILED',
    ].join('\n');
    const fw = testNamed(only(parseText(log).results), 'prog_tests_framework');
    expect(fw.status).toBe('fail');
    expect(subNamed(fw, 'test_fail_subtest').status).toBe('fail');
  });
});

describe('test_verifier and test_maps details', () => {
  it('test_verifier: a verdict on a later line, FAIL details and EXP/RES', async () => {
    const r = only((await parseFile(sample('test_verifier-debian6.1-tcg.log'))).results);
    const spin = r.tests.find((t) => t.number === 1077);
    expect(spin?.name).toBe('spin_lock: test1 success');
    expect(spin?.subtests.map((s) => `${s.name}:${s.status}`)).toEqual(['u:pass', 'p:pass']);
    const bounds = r.tests.find((t) => t.number === 164);
    expect(bounds?.name).toBe('check deducing bounds from const, 1');
    const u = bounds ? subNamed(bounds, 'u') : undefined;
    expect(u?.status).toBe('fail');
    expect(u?.assertions[1]).toMatchObject({
      kind: 'verifier',
      expected: 'R1 has pointer with unsupported alu operation',
      actual:
        'R0 has pointer with unsupported alu operation, pointer arithmetic with it prohibited for !root',
    });
    expect(u?.log).toContain('verification time 573 usec');
  });

  it('test_verifier under kselftest: `# ` stripped, `Did not run` still a pass', async () => {
    const head = only((await parseFile(sample('test_verifier-kselftest-lkp-2019-head.log'))).results);
    expect(head.binary).toBe('test_verifier');
    expect(head.parsedCounts.failed).toBe(3);
    const cc6 = head.tests.find((t) => t.name === 'calls: conditional call 6');
    expect(cc6?.assertions[0]).toMatchObject({ expected: 'back-edge from insn', actual: 'R1 !read_ok' });
    const single = only((await parseFile(sample('test_verifier-not-run-single-2019.log'))).results);
    expect(only(single.tests).name).toBe(
      '32bit loads of a 64bit field (both least and most significant words)',
    );
  });

  it('test_maps: four runs in one file, the first stopped at its failure', async () => {
    const parsed = await parseFile(sample('test_maps-fail-timeout-then-pass-2021.log'));
    expect(
      parsed.results.map(
        (r) => `${r.command} ${r.complete} ${r.parsedCounts.passed}/${r.parsedCounts.failed}`,
      ),
    ).toEqual([
      'test_maps 9 false 0/1',
      'test_maps 10 true 6/0',
      'test_maps 9 true 6/0',
      'test_maps 10 true 6/0',
    ]);
    expect(only(parsed.results[0]?.tests ?? []).assertions[0]?.message).toBe(
      'Failed sockmap unexpected timeout',
    );
    for (const r of parsed.results.slice(1)) {
      expect(r.summaryLine).toBe('test_maps: OK, 0 SKIPPED');
      expect(r.parsedCounts.skipped).toBe(0);
      expect(r.countsMismatch).toBeUndefined();
    }
  });

  it('test_maps under kselftest: exit code from `not ok ... # exit=1`', async () => {
    const r = only((await parseFile(sample('test_maps-fail-kselftest-tap-2021.log'))).results);
    expect(r.binary).toBe('test_maps');
    expect(r.exitCode).toBe(1);
    expect(r.tests.map((t) => `${t.name}:${t.status}`)).toEqual(['sockmap:fail']);
  });
});
