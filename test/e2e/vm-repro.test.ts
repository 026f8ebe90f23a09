// `bpf-ci repro` end to end with the real CLI, QEMU, Debian 6.1 kernel and selftests, three boots:
// the "CI job" (test_lsm fails on 6.1, Debian has no BPF LSM; align passes), a repro from the
// job's artifacts folder with --attempts 3, and a repro from the job's URL through the local GitHub
// API stand-in with --shell under tmux (a command typed in the guest's shell answers, exit ends it).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { failedKeys } from '@bpf-ci/flaky';
import { MemoryLogger } from '@bpf-ci/logger';
import { parseJobManifest, parseRun } from '@bpf-ci/model';
import { buildPlan, runVmTests } from '@bpf-ci/vm';
import { FakeGitHub, zipFolder } from '../helpers/github-server.ts';
import { debianVm, defaultSetup, ownSummary, scratch, timed } from './helpers.ts';

const CLI = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'bin', 'bpf-ci.js');
const TOKEN = 'ghp_e2e_repro';
const JOB_NAME = 'test_progs on x86_64 with gcc';

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.resume();
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

async function waitFor(what: string, read: () => string, pattern: RegExp, ms: number): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const text = read();
    if (pattern.test(text)) return text;
    if (Date.now() > until)
      throw new Error(`no ${what} after ${ms / 1000} s; the terminal shows:\n${text.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const tmuxSession = `bpf-ci-repro-${process.pid}`;
afterAll(() => {
  try {
    execFileSync('tmux', ['kill-session', '-t', tmuxSession], { stdio: 'ignore' });
  } catch {
    // already ended
  }
});

describe('bpf-ci repro (Debian 6.1 under TCG)', () => {
  it('reruns exactly the failed tests from the artifacts folder (--attempts 3 counts them) and from the job URL, with a shell', async () => {
    const setup = await defaultSetup();
    const logger = new MemoryLogger();
    // The CI job: what the vmtest-runner runs, with its identity.
    const plan = buildPlan(
      {
        arch: 'x86_64',
        selftestsDir: setup.dir,
        runners: ['test_progs'],
        allow: ['test_lsm', 'align'],
        timeoutSec: 600,
      },
      logger,
    );
    const job = scratch('repro-job');
    const vmtest = join(job, 'vmtest');
    const outcome = await timed('repro e2e: the CI job (test_lsm, align)', () =>
      runVmTests(
        debianVm(setup, plan, vmtest, {
          // TCG, as the repros below: a KVM probe on a host whose /dev/kvm does not boot costs a minute.
          accelerator: 'tcg',
          identity: {
            toolchain: 'gcc',
            commit: '0123456789abcdef0123456789abcdef01234567',
            buildArtifact: 'kernel-x86_64-gcc',
            runUrl: 'https://github.com/kernel-patches/bpf/actions/runs/4242',
          },
        }),
        logger,
      ),
    );
    expect(outcome.conclusion).toBe('failure');
    const jobRun = parseRun(JSON.parse(readFileSync(outcome.resultsJson, 'utf8')));
    const failed = failedKeys(jobRun.binaries[0]!);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((k) => k.startsWith('test_lsm'))).toBe(true);
    expect(ownSummary(join(vmtest, 'test_progs.log'))?.failed).toBe(1);
    const manifest = parseJobManifest(
      JSON.parse(readFileSync(join(vmtest, 'job-manifest.json'), 'utf8')),
      'job',
    );
    expect(manifest.lists.allow.map((e) => e.entry)).toEqual(['test_lsm', 'align']);
    expect(manifest.kernelRelease).toBe(setup.kernel.release);

    // 1. From the artifacts folder, three attempts in one boot.
    const local = scratch('repro-folder');
    const folderRun = await timed('repro e2e: from the folder, --attempts 3', () =>
      cli(['repro', job, '--attempts', '3', '--accel', 'tcg', '--output', local, '--no-install']),
    );
    expect(folderRun.code, folderRun.stdout).toBe(1);
    for (let k = 1; k <= 3; k++) {
      const log = readFileSync(join(local, 'local', `test_progs.run-${k}.log`), 'utf8');
      // Exactly the failed test ran: align, which passed in the job, did not.
      expect(log).toMatch(/^#\d+\s+test_lsm:FAIL$/m);
      expect(log).not.toMatch(/\balign\b/);
      expect(ownSummary(join(local, 'local', `test_progs.run-${k}.log`))?.failed).toBe(1);
    }
    for (const key of failed) {
      expect(folderRun.stdout).toContain(`${key}: failed 3 of 3 attempts`);
      expect(folderRun.stdout).toMatch(
        new RegExp(`^test_progs\\.?\\S*\\s+${key}\\s+fail\\s+3/3 failed\\s+same$`, 'm'),
      );
    }

    // 2. From the job's URL, through the local GitHub API; the build artifact has expired, so the
    // build is given with --build (the folder the job's build lies in).
    const server = new FakeGitHub([], { token: TOKEN });
    await server.start();
    try {
      server.addRun({
        id: 4242,
        headSha: '0123456789abcdef0123456789abcdef01234567',
        jobs: [{ id: 99, name: JOB_NAME, conclusion: 'failure' }],
        artifacts: [
          { name: 'results-test_progs-x86_64-gcc-attempt-1', zip: () => zipFolder(job) },
          { name: 'kernel-x86_64-gcc', zip: () => new Uint8Array(), expired: true },
        ],
      });
      const url = 'https://github.com/kernel-patches/bpf/actions/runs/4242/job/99';
      const work = scratch('repro-url');
      const transcript = join(work, 'terminal.txt');
      const command = [
        process.execPath,
        CLI,
        'repro',
        url,
        '--build',
        manifest.build.root,
        '--shell',
        '--accel',
        'tcg',
      ]
        .concat(['--output', join(work, 'out'), '--no-install'])
        .map((w) => `'${w.replaceAll("'", "'\\''")}'`)
        .join(' ');
      await timed('repro e2e: from the job URL, --shell under tmux', async () => {
        execFileSync('tmux', [
          'new-session',
          '-d',
          '-s',
          tmuxSession,
          '-x',
          '200',
          '-y',
          '50',
          '-e',
          `GITHUB_API_URL=${server.baseUrl}`,
          '-e',
          `GITHUB_TOKEN=${TOKEN}`,
          `${command}; echo "repro-exit=$?"; sleep 600`,
        ]);
        execFileSync('tmux', ['pipe-pane', '-o', '-t', tmuxSession, `cat >> '${transcript}'`]);
        const read = (): string => (existsSync(transcript) ? readFileSync(transcript, 'utf8') : '');
        await waitFor('shell prompt', read, /repro:\/\S*# /, 10 * 60_000);
        execFileSync('tmux', ['send-keys', '-t', tmuxSession, 'echo answer-$((6*7)); pwd', 'Enter']);
        const answered = await waitFor('answer', read, /^answer-42\s*$/m, 60_000);
        expect(answered).toContain(setup.dir);
        execFileSync('tmux', ['send-keys', '-t', tmuxSession, 'exit', 'Enter']);
        const ended = await waitFor('the end of bpf-ci repro', read, /repro-exit=\d+/, 120_000);
        // exit stopped the VM cleanly: the guest finished its script, the tests' failure is the exit code.
        expect(ended).toMatch(/repro-exit=1/);
        for (const key of failed)
          expect(ended).toMatch(new RegExp(`test_progs\\s+${key}\\s+fail\\s+fail\\s+same`));
      });
      const urlRun = parseRun(JSON.parse(readFileSync(join(work, 'out', 'local', 'results.json'), 'utf8')));
      expect(urlRun.vm?.fault).toBeUndefined();
      expect(failedKeys(urlRun.binaries[0]!)).toEqual(failed);
      // The rerun selected the failures only, and each of them matched a test.
      expect(urlRun.binaries[0]!.unmatchedEntries ?? []).toEqual([]);
      expect(server.log).toContain('GET /repos/kernel-patches/bpf/actions/jobs/99');
    } finally {
      await server.stop();
    }
  });
});
