// Threat: the guest (running the pull request's kernel as root) writes the output folder, and a
// pull request writes its lists: either can leave a FIFO (every reader blocks for ever), a symlink
// to /dev/zero (readers fill the memory) or to a host file (its content ends up in a public log),
// a directory or a dangling symlink where a log should be. Every entry point reads only regular
// files, not through symlinks, within a size limit, ends with a clear message within seconds, and
// one bad input never costs the others' results.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  INPUT_LIMITS,
  InputFileError,
  confinedPath,
  readInputFile,
  readInputFileSync,
  writeOutputFile,
} from '@bpf-ci/input-file';
import { collectRun, readLayeredList, type RunPlan } from '@bpf-ci/vm';
import { runAction } from './run-action.ts';

const SAMPLES = join(import.meta.dirname, '..', 'fixtures', 'samples');
const GOOD_LOG = join(SAMPLES, 'test_verifier-debian6.1-tcg.log');
const BIN = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'bin', 'bpf-ci.js');
/** Each refusal must come this fast: a hang is what the tests are about. */
const QUICK_MS = 15_000;

/** A folder the way a hostile guest could leave it. */
function hostileFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-sec-files-'));
  execFileSync('mkfifo', [join(dir, 'fifo.log')]);
  symlinkSync('/dev/zero', join(dir, 'zero.log'));
  symlinkSync('/etc/hostname', join(dir, 'host-file.log'));
  symlinkSync('/nonexistent/x', join(dir, 'dangling.log'));
  mkdirSync(join(dir, 'dir.log'));
  copyFileSync(GOOD_LOG, join(dir, 'good.log'));
  return dir;
}

async function bpfCi(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, GITHUB_ACTIONS: '' },
      timeout: QUICK_MS * 2,
      maxBuffer: 64 * 2 ** 20,
    });
    return { code: 0, stdout, stderr, ms: Date.now() - started };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, ms: Date.now() - started };
  }
}

describe('the shared reader', () => {
  it('refuses a FIFO, /dev/zero, a symlink, a directory; a file over the limit; reads a plain file', async () => {
    const dir = hostileFolder();
    await expect(readInputFile(join(dir, 'fifo.log'))).rejects.toThrow(
      /is a FIFO \(named pipe\), not a regular file/,
    );
    await expect(readInputFile(join(dir, 'zero.log'))).rejects.toThrow(
      /is a symbolic link \(to \/dev\/zero\): not followed/,
    );
    expect(() => readInputFileSync(join(dir, 'host-file.log'))).toThrow(
      /symbolic link \(to \/etc\/hostname\)/,
    );
    expect(() => readInputFileSync(join(dir, 'dangling.log'))).toThrow(/symbolic link \(to a missing file\)/);
    await expect(readInputFile(join(dir, 'dir.log'))).rejects.toThrow(/is a directory/);
    writeFileSync(join(dir, 'big.yml'), 'x'.repeat(INPUT_LIMITS.config + 1));
    expect(() =>
      readInputFileSync(join(dir, 'big.yml'), { maxBytes: INPUT_LIMITS.config, what: 'bpf-ci config' }),
    ).toThrow(/1\.0 MiB, over the 1\.0 MiB limit for a bpf-ci config: not read/);
    expect(await readInputFile(join(dir, 'good.log'))).toBe(readFileSync(GOOD_LOG, 'utf8'));
  });

  it('confines a relative path to its root, symlinks resolved', () => {
    const root = mkdtempSync(join(tmpdir(), 'bpf-ci-sec-root-'));
    mkdirSync(join(root, 'lists'));
    writeFileSync(join(root, 'lists', 'DENYLIST'), 'a\n');
    symlinkSync('/etc/passwd', join(root, 'lists', 'DENYLIST.x86_64'));
    expect(confinedPath('lists/DENYLIST', root)).toMatch(/lists\/DENYLIST$/);
    expect(() => confinedPath('lists/DENYLIST.x86_64', root, 'denylist')).toThrow(
      /the denylist path leaves .* \(it resolves to \/etc\/passwd\)/,
    );
    expect(() => confinedPath('../../../../etc/passwd', root)).toThrow(InputFileError);
    expect(() => confinedPath('/etc/passwd', root)).toThrow(/must be relative/);
  });
});

describe('every entry point', () => {
  it('bpf-ci parse: a clear error for each bad file within seconds, the good file still parsed', async () => {
    const dir = hostileFolder();
    for (const bad of ['fifo.log', 'zero.log', 'dir.log', 'dangling.log']) {
      const r = await bpfCi(['parse', bad], dir);
      expect(r.code, `${bad}: ${r.stderr}`).not.toBe(0);
      expect(r.ms).toBeLessThan(QUICK_MS);
      expect(r.stderr + r.stdout).toMatch(/not a regular file|symbolic link/);
    }
    const both = await bpfCi(['parse', 'good.log', 'fifo.log'], dir);
    expect(both.stdout).toContain('test_verifier');
    expect(both.ms).toBeLessThan(QUICK_MS);
  });

  it('bpf-ci report: the FIFO and /dev/zero refused quickly', async () => {
    const dir = hostileFolder();
    for (const bad of ['fifo.log', 'zero.log']) {
      const r = await bpfCi(['report', bad], dir);
      expect(r.ms, bad).toBeLessThan(QUICK_MS);
      expect(r.stderr + r.stdout).toMatch(/not a regular file|symbolic link/);
    }
  });

  it('result-parser: bad logs and a directory as console log are errors; the good log is reported', async () => {
    const dir = hostileFolder();
    const run = await runAction('result-parser', dir, {
      logs: 'good.log\nfifo.log\nzero.log\ndangling.log',
      'json-summaries': '',
      'console-logs': 'dir.log',
      'output-dir': join(dir, 'results'),
      'max-annotations': '10',
    });
    expect(run.ms).toBeLessThan(QUICK_MS * 2);
    expect(run.stdout).toMatch(/::error title=Unreadable selftest log::.*fifo\.log: is a FIFO/);
    expect(run.stdout).toMatch(
      /::error title=Unreadable selftest log::.*zero\.log: is a symbolic link \(to \/dev\/zero\)/,
    );
    expect(run.stdout).toMatch(/::error title=Unreadable console log::.*dir\.log: is a directory/);
    const results = JSON.parse(readFileSync(join(dir, 'results', 'results.json'), 'utf8')) as {
      binaries: { binary: string; parsedCounts: { passed: number } }[];
    };
    const verifier = results.binaries.find((b) => b.binary === 'test_verifier');
    expect(verifier?.parsedCounts.passed).toBeGreaterThan(0);
  });

  it('veristat-diff and the matrix config: a FIFO is a clear error, not a hang', async () => {
    const dir = hostileFolder();
    const veristat = await runAction('veristat-diff', dir, { new: 'fifo.log', base: 'zero.log' });
    expect(veristat.code).toBe(1);
    expect(veristat.ms).toBeLessThan(QUICK_MS * 2);
    expect(veristat.stdout).toMatch(/fifo\.log: is a FIFO/);
    const matrix = await runAction('matrix-generator', dir, {
      config: 'fifo.log',
      repository: 'a/b',
      event: 'push',
    });
    expect(matrix.code).toBe(1);
    expect(matrix.stdout).toMatch(/fifo\.log: is a FIFO/);
  });

  it("vmtest outputs: a runner's FIFO log makes only that runner partial; the others' results stay", async () => {
    const dir = hostileFolder();
    execFileSync('mkfifo', [join(dir, 'test_progs.log')]);
    symlinkSync('/dev/zero', join(dir, 'test_progs.json'));
    copyFileSync(GOOD_LOG, join(dir, 'test_verifier.log'));
    writeFileSync(join(dir, 'test_verifier.exit'), '0\n');
    execFileSync('mkfifo', [join(dir, 'test_progs.exit')]);
    const plan: RunPlan = {
      schemaVersion: 1,
      cwd: '/selftests',
      runners: [
        { name: 'test_progs', kind: 'test_progs', argv: ['./test_progs'], timeoutSec: 60 },
        { name: 'test_verifier', kind: 'test_verifier', argv: ['./test_verifier'], timeoutSec: 60 },
      ],
    };
    const started = Date.now();
    const run = await collectRun({ plan, outputDir: dir, progress: [], events: [], context: {} });
    expect(Date.now() - started).toBeLessThan(QUICK_MS);
    const [progs, verifier] = run.binaries;
    expect(progs?.complete).toBe(false);
    expect(progs?.incompleteDetail).toMatch(/test_progs\.log: is a FIFO/);
    expect(verifier?.parsedCounts.passed).toBeGreaterThan(0);
  });

  it("a pull request's list that is a symlink out of the checkout is refused, not read into the plan", () => {
    const root = mkdtempSync(join(tmpdir(), 'bpf-ci-sec-lists-'));
    mkdirSync(join(root, 'tools'));
    symlinkSync('/etc/passwd', join(root, 'tools', 'DENYLIST'));
    expect(() => readLayeredList(['tools/DENYLIST'], { runner: 'test_progs', arch: 'x86_64' }, root)).toThrow(
      /leaves .* \(it resolves to \/etc\/passwd\)/,
    );
    execFileSync('mkfifo', [join(root, 'tools', 'ALLOWLIST')]);
    expect(() =>
      readLayeredList(['tools/ALLOWLIST'], { runner: 'test_progs', arch: 'x86_64' }, root),
    ).toThrow(/FIFO/);
  });

  it('host writes into the output folder never go through what the guest left there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-sec-out-'));
    const outside = join(mkdtempSync(join(tmpdir(), 'bpf-ci-sec-victim-')), 'victim');
    writeFileSync(outside, 'untouched\n');
    symlinkSync(outside, join(dir, 'results.json'));
    writeOutputFile(join(dir, 'results.json'), '{}\n');
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
    expect(readFileSync(join(dir, 'results.json'), 'utf8')).toBe('{}\n');
    mkdirSync(join(dir, 'summary.md'));
    writeOutputFile(join(dir, 'summary.md'), '# ok\n');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toBe('# ok\n');
  });
});
