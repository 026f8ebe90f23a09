// Every command line a summary tells a reader to paste must run: the repro line under each failure
// is parsed exactly as `bpf-ci` parses it (shell words, then the command's own options).
import { parseArgs } from 'node:util';
import { parse as shellWords } from 'shell-quote';
import { describe, expect, it } from 'vitest';
import { newRun } from '@bpf-ci/model';
import { parseFile } from '@bpf-ci/parsers';
import { REPRO_VMTEST_TEMPLATE, buildReport, reproTemplateFromEnv } from '@bpf-ci/report';
import { parseActionsUrl, testJobArtifacts } from '@bpf-ci/repro';
import { reportCommand } from '../../../packages/cli/src/commands/report.ts';
import { REPRO_OPTIONS } from '../../../packages/cli/src/commands/repro.ts';
import { VMTEST_OPTIONS } from '../../../packages/cli/src/commands/vmtest.ts';
import { sample } from '../parsers/helpers.ts';

/** The words a POSIX shell would pass to bpf-ci, or a failure when the line does more than run it. */
function commandWords(line: string): string[] {
  const words = shellWords(line);
  for (const w of words) expect(typeof w, `${line}: only plain words, no shell operators`).toBe('string');
  return words as string[];
}

function parseVmtest(line: string): ReturnType<typeof parseArgs<{ options: typeof VMTEST_OPTIONS }>> {
  const [bin, command, ...args] = commandWords(line);
  expect([bin, command]).toEqual(['bpf-ci', 'vmtest']);
  return parseArgs({ args, options: VMTEST_OPTIONS, strict: true, allowPositionals: false });
}

/** The failed leaves of a run, as "test" or "test/subtest". */
function failedKeysOf(run: ReturnType<typeof newRun>): string[] {
  return run.binaries.flatMap((b) =>
    b.tests.flatMap((t) =>
      t.status === 'fail'
        ? t.subtests.some((s) => s.status === 'fail')
          ? t.subtests.filter((s) => s.status === 'fail').map((s) => `${t.name}/${s.name}`)
          : [t.name]
        : [],
    ),
  );
}

describe('repro commands in summaries', () => {
  it('in a CI job each failure gets the one-line bpf-ci repro of that job and test, which the CLI accepts', async () => {
    const parsed = await parseFile(sample('test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log'));
    const run = newRun({ arch: 'x86_64' }, parsed.results);
    const env = {
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'kernel-patches/bpf',
      GITHUB_RUN_ID: '123456',
      GITHUB_RUN_ATTEMPT: '2',
    };
    const repro = reproTemplateFromEnv(env, { runner: 'test_progs', arch: 'x86_64', toolchain: 'llvm-18' });
    expect(
      reproTemplateFromEnv({}, { runner: 'test_progs', arch: 'x86_64', toolchain: 'gcc' }),
    ).toBeUndefined();
    const { summary } = buildReport(run, { repro: repro! });
    const lines = [...summary.matchAll(/```sh\n(.*?)\n```/gs)].map((m) => m[1]!);
    const failed = failedKeysOf(run);
    expect(failed.length).toBeGreaterThan(0);
    expect(lines).toHaveLength(failed.length);
    for (const line of lines) {
      const [bin, command, ...args] = commandWords(line);
      expect([bin, command]).toEqual(['bpf-ci', 'repro']);
      const { values, positionals } = parseArgs({
        args,
        options: REPRO_OPTIONS,
        strict: true,
        allowPositionals: true,
      });
      expect(positionals).toHaveLength(1);
      expect(parseActionsUrl(positionals[0]!)).toEqual({
        owner: 'kernel-patches',
        repo: 'bpf',
        runId: 123456,
        attempt: 2,
      });
      // The job name leads to the artifacts the test job uploaded.
      expect(testJobArtifacts(values.job!, 2)?.resultsArtifact).toBe(
        'results-test_progs-x86_64-llvm-18-attempt-2',
      );
      expect(failed).toContain(values.test);
    }
  });

  it('each failure of a real log gets a bpf-ci vmtest line that the CLI accepts, selecting that test', async () => {
    const parsed = await parseFile(sample('test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log'));
    const run = newRun({ arch: 'x86_64' }, parsed.results);
    const { summary } = buildReport(run, { repro: REPRO_VMTEST_TEMPLATE });
    const lines = [...summary.matchAll(/```sh\n(.*?)\n```/gs)].map((m) => m[1]!);
    const failed = failedKeysOf(run);
    expect(failed.length).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(0);
    const selected = lines.map((line) => {
      const { values } = parseVmtest(line);
      expect(values.kernel).toBe('bzImage');
      expect(values.selftests).toBe('selftests');
      expect(values.runners).toBe('test_progs');
      return values.allow;
    });
    for (const test of selected) expect(failed).toContain(test);
  });

  it("the example in bpf-ci report's usage is accepted too", () => {
    const example = /"(bpf-ci vmtest [^"]+)"/.exec(reportCommand.usage)?.[1];
    expect(example).toBe(REPRO_VMTEST_TEMPLATE);
    const { values } = parseVmtest(
      example!.replace('{binary}', 'test_progs').replace('{test}', "'align/mov'"),
    );
    expect(values.allow).toBe('align/mov');
  });
});
