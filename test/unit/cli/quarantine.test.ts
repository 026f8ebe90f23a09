// `bpf-ci quarantine check` as a user runs it: the real bin in a child process.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { newBinaryResult, newRun, newTestCase } from '@bpf-ci/model';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', '..', 'packages', 'cli', 'bin', 'bpf-ci.js');

async function bpfCi(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, GITHUB_ACTIONS: '' },
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

const ENTRY = (test: string, expires: string): string =>
  `  - test: ${test}\n    reason: flaky under TCG\n    link: https://lore.kernel.org/bpf/x/\n    owner: someone@example.org\n    expires: ${expires}\n`;

describe('bpf-ci quarantine check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-quarantine-'));

  it('names the expired entry, the active one, and against results.json the warning and the unmatched entry', async () => {
    const file = join(dir, 'q.yml');
    writeFileSync(
      file,
      `quarantine:\n${ENTRY('netcnt', '2026-01-31')}${ENTRY('migrate_reuseport', '2026-12-31')}${ENTRY('gone_test', '2026-12-31')}`,
    );
    const results = join(dir, 'results.json');
    const r = newRun({ arch: 'x86_64' }, [
      newBinaryResult('test_progs', {
        tests: [
          newTestCase('netcnt', 'fail'),
          newTestCase('migrate_reuseport', 'fail'),
          newTestCase('align', 'pass'),
        ],
      }),
    ]);
    writeFileSync(results, JSON.stringify(r));
    const { stdout, stderr, code } = await bpfCi([
      'quarantine',
      'check',
      file,
      '--today',
      '2026-06-01',
      '--results',
      results,
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      'EXPIRED netcnt: expired on 2026-01-31, no longer quarantined (owner someone@example.org)',
    );
    expect(stdout).toContain('ACTIVE  migrate_reuseport: failures are warnings until 2026-12-31');
    expect(stdout).toContain(
      'warning instead of failure: test_progs migrate_reuseport (entry migrate_reuseport)',
    );
    expect(stdout).not.toContain('warning instead of failure: test_progs netcnt');
    expect(stdout).toContain('UNMATCHED gone_test: no test of this run matches it');
    expect(stderr).toContain("quarantine entry 'netcnt' expired on 2026-01-31");
  });

  it('a malformed file: exit 1, line, column and fix', async () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(
      file,
      'quarantine:\n  - test: netcnt\n    reason: r\n    link: https://x.org/1\n    owner: me\n    expires: tomorrow\n',
    );
    const { stderr, code } = await bpfCi(['quarantine', 'check', file]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${file}:6:14: quarantine[0].expires: expires is a day written YYYY-MM-DD`);
    expect(stderr).toContain('fix: write the last day it applies, as YYYY-MM-DD');
  });

  it('a missing key is named', async () => {
    const file = join(dir, 'missing.yml');
    writeFileSync(
      file,
      'quarantine:\n  - test: netcnt\n    reason: r\n    link: https://x.org/1\n    expires: 2030-01-01\n',
    );
    const { stderr, code } = await bpfCi(['quarantine', 'check', file]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${file}:2:5: quarantine[0]: missing 'owner'`);
  });
});
