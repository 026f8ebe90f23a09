// `bpf-ci repro` against the local GitHub API stand-in: artifacts listed and downloaded as zips
// behind an expiring redirect, and each refusal (no token, wrong token, a job that passed, a job of
// another workflow, expired artifacts, a run without --job) said with what to do.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import { reproduce, type ReproOptions } from '@bpf-ci/repro';
import { FakeGitHub, zipFolder } from '../../helpers/github-server.ts';
import { jobManifest, jobRun, writeJobFolder } from './fixtures.ts';

const TOKEN = 'ghp_repro_test_token';
const PROGS_JOB = 'test_progs on x86_64 with gcc';

/** kernel-build's artifact: one tar.zst holding the kernel image, its config and the selftests. */
function buildArtifactZip(): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-build-'));
  mkdirSync(join(dir, 'tree', 'selftests'), { recursive: true });
  writeFileSync(join(dir, 'tree', 'bzImage'), 'not a real kernel');
  writeFileSync(join(dir, 'tree', 'config'), 'CONFIG_BPF=y\n');
  writeFileSync(join(dir, 'tree', 'selftests', 'test_progs'), '#!/bin/false\n');
  execFileSync('tar', [
    '--zstd',
    '-cf',
    join(dir, 'kernel-x86_64-gcc.tar.zst'),
    '-C',
    join(dir, 'tree'),
    '.',
  ]);
  return zipSync({ 'kernel-x86_64-gcc.tar.zst': readFileSync(join(dir, 'kernel-x86_64-gcc.tar.zst')) });
}

const resultsZip = (failing = true): Uint8Array =>
  zipFolder(writeJobFolder(mkdtempSync(join(tmpdir(), 'bpf-ci-results-')), jobManifest(), jobRun(failing)));

let server: FakeGitHub;
let resultsId = 0;
const expiredLinks = new Set<number>();

beforeAll(async () => {
  server = new FakeGitHub([], { token: TOKEN, expiredLinkFor: expiredLinks });
  await server.start();
  const ids = server.addRun({
    id: 77,
    headSha: '0123456789abcdef0123456789abcdef01234567',
    jobs: [
      { id: 501, name: PROGS_JOB, conclusion: 'failure' },
      { id: 502, name: 'test_maps on x86_64 with gcc', conclusion: 'success' },
      { id: 503, name: 'build for x86_64 with gcc', conclusion: 'success' },
    ],
    artifacts: [
      { name: 'results-test_progs-x86_64-gcc-attempt-1', zip: () => resultsZip() },
      { name: 'kernel-x86_64-gcc', zip: buildArtifactZip },
    ],
  });
  resultsId = ids.get('results-test_progs-x86_64-gcc-attempt-1')!;
  // The first download link of the results is already expired: a fresh one must be asked for.
  expiredLinks.add(resultsId);
  server.addRun({
    id: 78,
    headSha: 'abc',
    jobs: [{ id: 601, name: PROGS_JOB, conclusion: 'failure' }],
    artifacts: [
      { name: 'results-test_progs-x86_64-gcc-attempt-1', zip: () => resultsZip() },
      { name: 'kernel-x86_64-gcc', zip: buildArtifactZip, expired: true },
    ],
  });
  server.addRun({
    id: 79,
    headSha: 'abc',
    jobs: [{ id: 701, name: PROGS_JOB, conclusion: 'failure' }],
    artifacts: [{ name: 'results-test_progs-x86_64-gcc-attempt-1', zip: () => resultsZip(), expired: true }],
  });
  server.addRun({
    id: 80,
    headSha: 'abc',
    workflowName: 'docs',
    path: '.github/workflows/docs.yml',
    jobs: [{ id: 801, name: 'deploy docs', conclusion: 'failure' }],
    artifacts: [],
  });
});
afterAll(() => server.stop());

const job = (run: number, id: number): string =>
  `https://github.com/kernel-patches/bpf/actions/runs/${run}/job/${id}`;

/** Stops right before the boot: what was fetched is then on disk to check. */
class BeforeBoot extends Error {}

function options(source: string, extra: Partial<ReproOptions> = {}): ReproOptions {
  return {
    source,
    workDir: mkdtempSync(join(tmpdir(), 'bpf-ci-repro-')),
    selection: { kind: 'failed' },
    attempts: 1,
    env: { GITHUB_API_URL: server.baseUrl, GITHUB_TOKEN: TOKEN },
    ghToken: () => undefined,
    beforeBoot: () => Promise.reject(new BeforeBoot('stop before the boot')),
    ...extra,
  };
}

describe('bpf-ci repro through the GitHub API', () => {
  it('downloads the results (a fresh link when the first expired) and the build, unpacks both, and plans the failed tests', async () => {
    const logger = new MemoryLogger();
    const o = options(job(77, 501));
    await expect(reproduce(o, logger)).rejects.toBeInstanceOf(BeforeBoot);
    expect(existsSync(join(o.workDir, 'artifacts', 'vmtest', 'job-manifest.json'))).toBe(true);
    expect(existsSync(join(o.workDir, 'artifacts', 'results', 'results.json'))).toBe(true);
    expect(readFileSync(join(o.workDir, 'build', 'config'), 'utf8')).toBe('CONFIG_BPF=y\n');
    expect(existsSync(join(o.workDir, 'build', 'selftests', 'test_progs'))).toBe(true);
    const said = logger.entries.map((e) => e.message);
    expect(said).toContain(
      'The download link of results-test_progs-x86_64-gcc-attempt-1 expired before it was used: asking for a new one',
    );
    expect(said.filter((m) => m.startsWith('Downloaded '))).toHaveLength(2);
    expect(said).toContain('Unpacking kernel-x86_64-gcc.tar.zst');
    expect(said).toContain('Rerunning test_progs: test_lsm/lsm_basic, map_kptr');
    expect(server.log).toContain('GET /repos/kernel-patches/bpf/actions/jobs/501');
  });

  it('finds the job by name in a run URL, with the token of the GitHub CLI', async () => {
    const logger = new MemoryLogger();
    const o = options('https://github.com/kernel-patches/bpf/actions/runs/77', {
      job: PROGS_JOB,
      env: { GITHUB_API_URL: server.baseUrl },
      ghToken: () => TOKEN,
    });
    await expect(reproduce(o, logger)).rejects.toBeInstanceOf(BeforeBoot);
    await expect(
      reproduce(options('https://github.com/kernel-patches/bpf/actions/runs/77'), logger),
    ).rejects.toThrow(/is a run, not a job: add --job NAME/);
    await expect(
      reproduce(
        options('https://github.com/kernel-patches/bpf/actions/runs/77', {
          job: 'test_progs on s390x with gcc',
        }),
        logger,
      ),
    ).rejects.toThrow(
      /run 77 has no job named 'test_progs on s390x with gcc'; its jobs: 'test_progs on x86_64 with gcc', 'test_maps/,
    );
  });

  it('no token, or a wrong one: says where the token comes from and how to get one', async () => {
    await expect(
      reproduce(options(job(77, 501), { env: { GITHUB_API_URL: server.baseUrl } }), new MemoryLogger()),
    ).rejects.toThrow(/no GitHub token: .* Set GITHUB_TOKEN .* `gh auth login`/);
    const wrong = options(job(77, 501), {
      env: { GITHUB_API_URL: server.baseUrl, GITHUB_TOKEN: 'ghp_wrong' },
    });
    await expect(reproduce(wrong, new MemoryLogger())).rejects.toThrow(
      /GitHub refused the token from GITHUB_TOKEN \(401 Bad credentials\) .* wrong, revoked or expired/,
    );
  });

  it('a job that passed, a job of another workflow, an unknown job', async () => {
    await expect(reproduce(options(job(77, 502)), new MemoryLogger())).rejects.toThrow(
      /job 'test_maps on x86_64 with gcc' passed: it has no failure to reproduce\. Rerun its tests with --all/,
    );
    await expect(reproduce(options(job(80, 801)), new MemoryLogger())).rejects.toThrow(
      /job 'deploy docs' of workflow 'docs' is not a bpf-ci test job/,
    );
    await expect(reproduce(options(job(77, 999)), new MemoryLogger())).rejects.toThrow(
      /GitHub has no job 999 in kernel-patches\/bpf \(404\)/,
    );
  });

  it('an expired build says how to rebuild it from the commit; --build then boots the rebuilt one', async () => {
    await expect(reproduce(options(job(78, 601)), new MemoryLogger())).rejects.toThrow(
      /build artifact kernel-x86_64-gcc expired on .* \(build artifacts are kept 5 days\): rebuild it from the job's commit: check out the kernel at commit 0123456789abcdef0123456789abcdef01234567 and run `bpf-ci build --arch x86_64 --toolchain gcc --source-dir LINUX --output-dir DIR`, then give that folder .* with --build DIR/,
    );
    const rebuilt = mkdtempSync(join(tmpdir(), 'bpf-ci-rebuilt-'));
    mkdirSync(join(rebuilt, 'selftests'));
    writeFileSync(join(rebuilt, 'bzImage'), 'x');
    const logger = new MemoryLogger();
    await expect(reproduce(options(job(78, 601), { build: rebuilt }), logger)).rejects.toBeInstanceOf(
      BeforeBoot,
    );
    expect(logger.entries.map((e) => e.message)).toContain(`Build: ${rebuilt}`);
  });

  it('expired results say that nothing records what the job ran', async () => {
    await expect(reproduce(options(job(79, 701)), new MemoryLogger())).rejects.toThrow(
      /results artifact results-test_progs-x86_64-gcc-attempt-1 expired on .* \(GitHub keeps them 14 days\)/,
    );
  });

  it('never logs the token', async () => {
    const logger = new MemoryLogger();
    await expect(reproduce(options(job(77, 501)), logger)).rejects.toBeInstanceOf(BeforeBoot);
    expect(JSON.stringify(logger.entries)).not.toContain(TOKEN);
  });
});

describe('bpf-ci repro from a folder', () => {
  it('a job that passed, and a folder without a manifest', async () => {
    const dir = writeJobFolder(mkdtempSync(join(tmpdir(), 'bpf-ci-passed-')), jobManifest(), jobRun(false));
    await expect(reproduce(options(dir), new MemoryLogger())).rejects.toThrow(
      /passed: it has no failure to reproduce/,
    );
    await expect(reproduce(options(tmpdir() + '/no-such-folder-x'), new MemoryLogger())).rejects.toThrow(
      /is not a folder/,
    );
    const empty = mkdtempSync(join(tmpdir(), 'bpf-ci-empty-'));
    await expect(reproduce(options(empty), new MemoryLogger())).rejects.toThrow(/has no job-manifest.json/);
  });

  it("refuses a build whose selftests are a symlink out of it (the guest must not see this machine's files)", async () => {
    const dir = writeJobFolder(mkdtempSync(join(tmpdir(), 'bpf-ci-symlink-')), jobManifest(), jobRun());
    const outside = mkdtempSync(join(tmpdir(), 'bpf-ci-private-'));
    const build = mkdtempSync(join(tmpdir(), 'bpf-ci-evil-build-'));
    writeFileSync(join(build, 'bzImage'), 'x');
    symlinkSync(outside, join(build, 'selftests'));
    await expect(reproduce(options(dir, { build }), new MemoryLogger())).rejects.toThrow(
      /the job's build is refused: .*the build path leaves .* \(it resolves to .*bpf-ci-private-/,
    );
  });

  it("the job's build missing from this machine: says what to download or rebuild", async () => {
    const dir = writeJobFolder(mkdtempSync(join(tmpdir(), 'bpf-ci-nobuild-')), jobManifest(), jobRun());
    await expect(reproduce(options(dir), new MemoryLogger())).rejects.toThrow(
      /no folder holds the job's build \(bzImage, selftests\): download kernel-x86_64-gcc of https:\/\/github.com\/kernel-patches\/bpf\/actions\/runs\/77 .* --build DIR, or rebuild it/,
    );
  });
});
