// `bpf-ci run-report` as a user runs it: the real bin over a folder of downloaded results.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { PLANNED, RUN_URL, veristatDiff, writeMatrix } from './matrix.ts';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', '..', 'packages', 'cli', 'bin', 'bpf-ci.js');

async function bpfCi(args: string[], cwd: string): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, GITHUB_ACTIONS: '' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('bpf-ci run-report', () => {
  it('renders the run summary from a folder of results, writes every text and exits 1 on failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-report-cli-'));
    const written = await writeMatrix(join(dir, 'artifacts'));
    writeFileSync(join(dir, 'matrix.json'), JSON.stringify({ include: PLANNED }));
    writeFileSync(join(dir, 'veristat.json'), JSON.stringify(veristatDiff()));
    const { stdout, stderr, code } = await bpfCi(
      [
        'run-report',
        'artifacts',
        '--matrix',
        'matrix.json',
        '--veristat',
        'veristat on x86_64 with gcc=veristat.json',
        '--run-url',
        RUN_URL,
        '--output',
        'out',
        '--mail-to',
        'author@example.org',
        '--mail-from',
        'bpf-ci@example.org',
        '--series-subject',
        '[PATCH bpf-next v2 0/3] selftests/bpf: sockopt fixes',
        '--in-reply-to',
        '<20250312.1-0-author@example.org>',
      ],
      dir,
    );
    expect(code).toBe(1);
    expect(stdout).toContain('## ❌ BPF CI run: failure');
    expect(stdout).toContain('| setget\\_sockopt | test\\_progs | 4 |');
    expect(stderr).toContain(`${written.length} results.json file(s), ${PLANNED.length} job(s)`);
    expect(readFileSync(join(dir, 'out', 'run-summary.md'), 'utf8')).toBe(stdout);
    const text = readFileSync(join(dir, 'out', 'author-report.txt'), 'utf8');
    expect(text).toContain('Kernel splats');
    const verdict = JSON.parse(readFileSync(join(dir, 'out', 'verdict.json'), 'utf8')) as {
      verdict: string;
      infrastructureFailures: string[];
    };
    expect(verdict).toMatchObject({
      verdict: 'failure',
      infrastructureFailures: ['test_maps on s390x with gcc'],
    });
    const checks = JSON.parse(readFileSync(join(dir, 'out', 'patchwork-checks.json'), 'utf8')) as {
      state: string;
    }[];
    expect(checks).toHaveLength(PLANNED.length);
    const mail = await simpleParser(readFileSync(join(dir, 'out', 'author-report.eml')));
    expect(mail.subject).toBe('Re: [PATCH bpf-next v2 0/3] selftests/bpf: sockopt fixes');
    expect(mail.inReplyTo).toBe('<20250312.1-0-author@example.org>');
    expect(mail.text).toBe(text);
  });

  it('says what is wrong with a file that is not a results.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-report-cli-bad-'));
    writeFileSync(join(dir, 'results.json'), '{"schemaVersion": 1, "context": {}');
    const { stderr, code } = await bpfCi(['run-report', 'results.json'], dir);
    expect(code).toBe(1);
    expect(stderr).toMatch(/results\.json: not JSON .*is it a results\.json\?/);
    const usage = await bpfCi(['run-report'], dir);
    expect(usage.code).toBe(64);
  });
});
