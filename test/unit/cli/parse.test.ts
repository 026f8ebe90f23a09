// `bpf-ci parse` as a user runs it: a child process on the real bin, checking what it prints.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sample } from '../parsers/helpers.ts';
import { bpfCi } from './helpers.ts';

describe('bpf-ci parse', () => {
  it('prints the counts equal to the Summary, the failure and its first assertion', async () => {
    const { stdout, code } = await bpfCi([
      'parse',
      sample('test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log'),
    ]);
    expect(stdout).toContain('test_progs: Success: 7/40, Skipped: 0, Failed: 1');
    expect(stdout).toContain('tool said: Summary: 7/40 PASSED, 0 SKIPPED, 1 FAILED');
    expect(stdout).toContain('complete');
    expect(stdout).toContain('FAIL #303 setget_sockopt');
    expect(stdout).toContain(
      'test_tcp:FAIL:nr_listen unexpected nr_listen: actual 0 != expected 1 (+23 more)',
    );
    expect(stdout).not.toContain('COUNTS MISMATCH');
    expect(code).toBe(1);
  });

  it('a passing log exits 0; the debian 6.1 run prints its own Summary numbers', async () => {
    const pass = await bpfCi(['parse', sample('test_progs-serial-pass-sockopt-ppc64-2025.log')]);
    expect(pass.stdout).toContain('Success: 8/40, Skipped: 0, Failed: 0');
    expect(pass.code).toBe(0);
    const debian = await bpfCi([
      'parse',
      sample('test_progs-debian6.1-tcg.log'),
      sample('test_verifier-debian6.1-tcg.log'),
    ]);
    expect(debian.stdout).toContain('test_progs: Success: 250/1276, Skipped: 50, Failed: 20');
    expect(debian.stdout).toContain('test_verifier: Success: 2006, Skipped: 0, Failed: 6');
  });

  it('marks a log without Summary INCOMPLETE with the reason', async () => {
    const { stdout, code } = await bpfCi([
      'parse',
      sample('test_progs-crash-sigsegv-stacktrace-bpf_tcp_ca-2024.log'),
    ]);
    expect(stdout).toContain('INCOMPLETE (crash, no-summary): test_progs crashed with SIGSEGV in bpf_tcp_ca');
    expect(stdout).toContain('ERROR #29 bpf_tcp_ca');
    expect(code).toBe(1);
    const panic = await bpfCi([
      'parse',
      sample('kernel-panic-oops-test_progs-fentry_fexit-aarch64-2024.log'),
    ]);
    expect(panic.stdout).toContain('kernel oops while fentry_fexit ran');
    expect(panic.stdout).toContain('kernel-panic');
  });

  it('--json prints a Run the model validates', async () => {
    const { stdout } = await bpfCi(['parse', '--json', sample('test_progs-fail-mptcp-no-testmod-6.12.log')]);
    const { parseRun } = await import('@bpf-ci/model');
    const parsed = parseRun(JSON.parse(stdout));
    expect(parsed.binaries[0]?.printedCounts).toEqual({
      passed: 0,
      passedSubtests: 0,
      skipped: 0,
      failed: 1,
    });
    expect(parsed.sources).toEqual([sample('test_progs-fail-mptcp-no-testmod-6.12.log')]);
  });

  it('an unknown format: exit 2 and an error naming the file and the expected formats', async () => {
    const { stderr, code } = await bpfCi(['parse', join(import.meta.dirname, 'parse.test.ts')]);
    expect(code).toBe(2);
    expect(stderr).toContain('parse.test.ts: not a log bpf-ci can parse');
    expect(stderr).toContain('Summary: P/S PASSED');
  });

  it('a JSON summary named like the log (test_progs.json + test_progs.log) is merged into it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-cli-'));
    // stdout cut after the first failure; the -J file of the same run is complete.
    writeFileSync(
      join(dir, 'test_progs.log'),
      '#10/2    bpf_cookie/multi_kprobe_link_api:FAIL\n#10      bpf_cookie:FAIL\n',
    );
    copyFileSync(sample('test_progs-json-summary-aarch64-2023.json'), join(dir, 'test_progs.json'));
    const { stdout } = await bpfCi(['parse', join(dir, 'test_progs.log'), join(dir, 'test_progs.json')]);
    expect(stdout).toContain(
      'tool said: Summary: 29/23 PASSED, 3 SKIPPED, 28 FAILED (from the JSON summary)',
    );
    expect(stdout).toContain(`note: merged with the JSON summary ${join(dir, 'test_progs.json')}`);
    expect(stdout).toContain('FAIL #10/8 bpf_cookie/lsm');
    expect(stdout).not.toContain('(test_progs_json');
  });

  it("a JSON summary with libbpf/ci's name merges into the log of that binary, as the report action does", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-cli-'));
    writeFileSync(
      join(dir, 'serial.log'),
      '#10/2    bpf_cookie/multi_kprobe_link_api:FAIL\n#10      bpf_cookie:FAIL\n',
    );
    copyFileSync(sample('test_progs-json-summary-aarch64-2023.json'), join(dir, 'test_progs.json'));
    const { stdout } = await bpfCi(['parse', join(dir, 'serial.log'), join(dir, 'test_progs.json')]);
    expect(stdout).toContain(`note: merged with the JSON summary ${join(dir, 'test_progs.json')}`);
    expect(stdout).not.toContain('(test_progs_json');
    // The parallel run's summary names a variant no log here has: printed on its own.
    copyFileSync(sample('test_progs-json-summary-aarch64-2023.json'), join(dir, 'test_progs_parallel.json'));
    const alone = await bpfCi(['parse', join(dir, 'serial.log'), join(dir, 'test_progs_parallel.json')]);
    expect(alone.stdout).not.toContain('note: merged with the JSON summary');
    expect(alone.stdout).toContain('(test_progs_json');
  });

  it('in GitHub Actions the untrusted text is framed by stop-commands', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-parse-'));
    const log = join(dir, 'test_progs.log');
    writeFileSync(log, '#1      evil::error::x:FAIL\nSummary: 0/0 PASSED, 0 SKIPPED, 1 FAILED\n');
    const { stdout } = await bpfCi(['parse', log], { GITHUB_ACTIONS: 'true' });
    expect(stdout).toContain('evil::error::x');
    const lines = stdout.trimEnd().split('\n');
    const token = /^::stop-commands::([0-9a-f]{32})$/.exec(lines[0] ?? '')?.[1];
    expect(token).toBeDefined();
    expect(lines.at(-1)).toBe(`::${token}::`);
  });
});
