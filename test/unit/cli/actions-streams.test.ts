// `bpf-ci` inside a GitHub Actions step (GITHUB_ACTIONS=true): the runner reads every line of the
// step's stdout AND stderr for workflow commands. Hostile file names, test names, program names and
// YAML warnings, led by the white space .NET trims and JavaScript does not (U+0085, U+2028), must
// reach neither stream as a command. Runs the real bin as a child process.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runnerCommands } from '../report/runner-sim.ts';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', '..', 'packages', 'cli', 'bin', 'bpf-ci.js');

async function inActions(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, GITHUB_ACTIONS: 'true', BPF_CI_VERBOSE: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    return err as { stdout: string; stderr: string };
  }
}

const LEADS = ['\u0085', '\u2028', '\u00a0', '\u3000', '\t'];
/** Commands after .NET white space, after a line break, and in the legacy form (anywhere in a line). */
const hostile = (what: string, newline = true): string =>
  LEADS.map((lead) => `${lead}::error::${what}`).join('') +
  `##[error]${what}-legacy` +
  (newline ? `\n::error::${what}-newline\n` : '');

function hostileTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-actions-streams-'));
  // A test_progs log whose test names and output carry commands after .NET white space.
  const log = [
    `#1/1     ok_test/${hostile('subtest')}:OK`,
    `#1      ok_test:OK`,
    `\u0085::add-mask::secret`,
    `#2      ${hostile('testname', false)}:FAIL`,
    'Summary: 1/1 PASSED, 0 SKIPPED, 1 FAILED',
    '',
  ].join('\n');
  writeFileSync(join(dir, `x${hostile('filename')}.log`), log);
  writeFileSync(
    join(dir, 'base.csv'),
    `file_name,prog_name,verdict,duration,total_insns,total_states,peak_states\nx.bpf.o,${hostile('prog', false)},success,24,2,0,0\n`,
  );
  writeFileSync(
    join(dir, 'new.csv'),
    `file_name,prog_name,verdict,duration,total_insns,total_states,peak_states\nx.bpf.o,${hostile('prog', false)},failure,37,2,0,0\n`,
  );
  // An unknown YAML tag: the yaml library warns with the tag's text in the message.
  writeFileSync(join(dir, 'veristat.yml'), `metrics: !<tag:x,2000:##[error]yaml-warning> {}\n`);
  return dir;
}

describe('bpf-ci inside GitHub Actions', () => {
  it('parse: hostile file and test names reach neither stdout nor stderr as commands', async () => {
    const dir = hostileTree();
    const { stdout, stderr } = await inActions(
      ['parse', `x${hostile('filename')}.log`, `missing${hostile('missing')}.log`],
      dir,
    );
    expect(stdout).toContain('filename'); // the names are printed, framed
    expect(stderr).toContain('missing');
    expect(runnerCommands(stdout)).toEqual([]);
    expect(runnerCommands(stderr)).toEqual([]);
  });

  it('report: only the annotations it means are commands', async () => {
    const dir = hostileTree();
    const { stdout, stderr } = await inActions(['report', `x${hostile('filename')}.log`], dir);
    const names = runnerCommands(stdout).map((c) => c.name);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => ['error', 'warning', 'notice'].includes(n))).toBe(true);
    expect(runnerCommands(stderr)).toEqual([]);
  });

  it('veristat-diff: hostile program names and YAML warnings are no commands', async () => {
    const dir = hostileTree();
    for (const json of [[], ['--json']]) {
      const { stdout, stderr } = await inActions(
        ['veristat-diff', 'base.csv', 'new.csv', '--config', 'veristat.yml', ...json],
        dir,
      );
      expect(stderr).toContain('yaml-warning'); // the warning is shown, as text
      expect(stdout).toContain('prog');
      expect(runnerCommands(stdout)).toEqual([]);
      expect(runnerCommands(stderr)).toEqual([]);
    }
  });
});
