// `bpf-ci stats sync`, `query` and `export` as a user runs them, against the local GitHub server,
// into a SQLite file; the answers are checked against the generator's ground truth.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import { escapeMarkdown } from '@bpf-ci/protocol';
import { flaky, generateHistory, openDatabase, type KcidbData, type NipaRun } from '@bpf-ci/stats';
import { main } from '../../../packages/cli/src/main.ts';
import { FakeGitHub } from '../../helpers/github-server.ts';
import { expectedRates, expectedTopFailures, visible } from '../../helpers/stats-truth.ts';

const START = Date.parse('2026-04-06T00:00:00Z') / 1000;
const history = generateHistory({
  seed: 21,
  runs: 24,
  start: START,
  interval: 3600,
  now: START + 25 * 3600,
  arches: ['x86_64', 'aarch64'],
  toolchains: ['llvm-18'],
  runners: ['test_progs'],
  testsPerRunner: 6,
  broken: 1,
  flaky: 1,
});
let server: FakeGitHub;
let dir: string;

async function bpfCi(args: string[]): Promise<{ code: number; stdout: string; logger: MemoryLogger }> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (d: Buffer) => (text += d.toString()));
  const logger = new MemoryLogger();
  const env = {
    GITHUB_API_URL: server.baseUrl,
    GITHUB_TOKEN: 'ghs_cli',
    BPF_CI_STATS_DB: join(dir, 'stats.sqlite'),
  };
  const code = await main(['stats', ...args], { stdout, logger, cwd: dir, env });
  return { code, stdout: text, logger };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bpf-ci-stats-cli-'));
  server = new FakeGitHub(history.runs, { msPerSecond: 1000 });
  await server.start();
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('bpf-ci stats', () => {
  it('syncs, then answers questions as tables and as JSON, and exports NIPA and KCIDB records', async () => {
    const synced = await bpfCi(['sync', '--repository', 'kernel-patches/bpf', '--since', '2026-04-06']);
    expect(synced.code).toBe(0);
    expect(synced.logger.messages('info').at(-1)).toMatch(
      /^synced kernel-patches\/bpf: 24 runs \(24 written, 0 unchanged\)/,
    );

    const top = await bpfCi(['query', 'top-failures', '--limit', '100']);
    expect(top.code).toBe(0);
    const expected = expectedTopFailures(history, {});
    expect(expected.length).toBeGreaterThan(0);
    // The shape maintainers know: "#24/14 btf_dump/btf_dump: struct_data | aarch64 | llvm-16 | 12 (13.6%)".
    expect(top.stdout.trimEnd().split('\n')).toEqual(
      expected.map(
        (e) => `${e.number} ${e.test} | ${e.arch} | ${e.toolchain} | ${e.hits} (${e.pctOfRuns.toFixed(1)}%)`,
      ),
    );

    const rates = await bpfCi(['query', 'rates', '--json', '--arch', 'aarch64']);
    const answer = JSON.parse(rates.stdout) as {
      jobs: { total: number; success: number }[];
      runs: { total: number; cancelled: number };
    };
    const truth = expectedRates(history, { arch: 'aarch64' });
    expect(answer.jobs.map((j) => [j.total, j.success])).toEqual(truth.jobs.map((j) => [j.total, j.success]));
    expect(answer.runs.total).toBe(truth.runs.total);

    const table = await bpfCi(['query', 'rates']);
    expect(table.stdout).toMatch(/jobs vs whole runs:\n\s+\| count \| success/);

    const nipa = await bpfCi(['export', '--format', 'nipa']);
    const runs = JSON.parse(nipa.stdout) as NipaRun[];
    const jobs = history.runs.flatMap((r) => r.jobs.filter((j) => visible(r, j)));
    expect(runs.length).toBe(jobs.length);
    expect(runs.reduce((a, r) => a + r.results.length, 0)).toBe(
      jobs.reduce((a, j) => a + j.results!.reported.length, 0),
    );
    const fails = jobs.reduce(
      (a, j) => a + j.results!.exceptions.filter((e) => e.status === 'fail').length,
      0,
    );
    expect(runs.flatMap((r) => r.results).filter((r) => r.result === 'fail').length).toBe(fails);
    expect(runs.flatMap((r) => r.results).filter((r) => r.retry === 'pass').length).toBe(
      jobs.reduce((a, j) => a + j.results!.exceptions.filter((e) => e.flaky).length, 0),
    );
    expect(runs[0]!.results[0]).toMatchObject({
      group: 'selftests-bpf-test_progs',
      link: expect.stringMatching(/\/actions\/runs\/\d+\/job\/\d+$/) as unknown,
    });

    const kcidb = await bpfCi(['export', '--format', 'kcidb', '--output', 'kcidb.json']);
    expect(kcidb.code).toBe(0);
    const data = (await import('node:fs')).readFileSync(join(dir, 'kcidb.json'), 'utf8');
    const k = JSON.parse(data) as KcidbData;
    expect(k.version).toEqual({ major: 4, minor: 3 });
    expect(k.tests.filter((t) => t['status'] === 'FAIL').length).toBe(fails);
    expect(k.tests.length).toBe(runs.reduce((a, r) => a + r.results.length, 0));
  });

  it("bpf-ci report --stats-db puts each failing test's recent flips on its variant under it", async () => {
    // The database the sync above wrote; the flaky test's flips on one variant, from the store.
    const db = await openDatabase(join(dir, 'stats.sqlite'));
    const rows = await flaky(db, { arch: 'aarch64', toolchain: 'llvm-18' }, { last: 50, minSample: 2 });
    await db.close();
    const row = rows[0]!;
    expect(row.flips).toBeGreaterThan(0);
    // A job of that variant where the test fails, and one that never flipped (no history line).
    const log = join(dir, 'test_progs.log');
    writeFileSync(
      log,
      [
        `#1       ${row.test}:FAIL`,
        '#2       never_seen_before:FAIL',
        'Summary: 0/0 PASSED, 0 SKIPPED, 2 FAILED',
        '',
      ].join('\n'),
    );
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (d: Buffer) => (text += d.toString()));
    const args = ['report', log, '--arch', 'aarch64', '--toolchain', 'llvm-18', '--runner', row.runner];
    const code = await main([...args, '--stats-db', join(dir, 'stats.sqlite')], {
      stdout,
      logger: new MemoryLogger(),
      cwd: dir,
      env: {},
    });
    expect(code).toBe(0);
    const lines = text.split('\n').filter((l) => l.startsWith('**History:**'));
    const line =
      `flipped ${row.flips} time${row.flips === 1 ? '' : 's'} in the last ${row.observations} runs ` +
      `on aarch64 llvm-18, failed ${row.fails}` +
      (row.flakes > 0 ? `, passed on retry ${row.flakes}` : '');
    // Escaped as every untrusted text in a summary is.
    expect(lines).toEqual([`**History:** ${escapeMarkdown(line)}`]);
    // Without --arch and --toolchain there is no variant to look up.
    const usage = await main(['report', log, '--stats-db', join(dir, 'stats.sqlite')], {
      stdout: new PassThrough(),
      logger: new MemoryLogger(),
      cwd: dir,
      env: {},
    });
    expect(usage).toBe(64);
    // A mistyped database path is said, not created empty.
    const logger = new MemoryLogger();
    const missing = await main([...args, '--stats-db', 'nope.sqlite'], {
      stdout: new PassThrough(),
      logger,
      cwd: dir,
      env: {},
    });
    expect(missing).toBe(64);
    expect(logger.messages('error').join('\n')).toContain('nope.sqlite: no such database');
    expect(existsSync(join(dir, 'nope.sqlite'))).toBe(false);
  });

  it('says what is wrong with a command line', async () => {
    expect((await bpfCi(['query', 'first-bad'])).code).toBe(64);
    expect((await bpfCi(['query', 'nonsense'])).code).toBe(64);
    expect((await bpfCi(['export', '--format', 'csv'])).code).toBe(64);
    expect((await bpfCi(['sync'])).code).toBe(64);
  });
});
