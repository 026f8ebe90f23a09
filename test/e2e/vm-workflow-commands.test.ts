// A guest printing workflow commands (`::error::`, `::add-mask::`, `##[group]`, a forged
// ::stop-commands::) through the bundled vmtest-runner action, exactly as a GitHub runner would
// start it: the runner must see none of them as a command.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runnerCommands } from '../unit/report/runner-sim.ts';
import { defaultSetup, scratch, timed } from './helpers.ts';

const repo = join(import.meta.dirname, '..', '..');
// A "selftests" folder whose test_verifier is a script printing hostile lines from inside the guest.
const hostileSelftests = join(repo, 'test', 'fixtures', 'vm', 'hostile-selftests');

describe('vmtest-runner action', () => {
  it('lets no workflow command from the guest reach the runner', async () => {
    const setup = await defaultSetup();
    const out = scratch('commands');
    const githubOutput = join(out, 'github-output');
    writeFileSync(githubOutput, '');
    const { stdout } = await timed('workflow-command scenario (bundled action)', () =>
      promisify(execFile)(process.execPath, [join(repo, 'dist', 'vmtest-runner', 'index.js')], {
        env: {
          PATH: process.env['PATH'] ?? '',
          'INPUT_KERNEL-IMAGE': setup.kernel.vmlinuz,
          'INPUT_MODULES-DIR': setup.kernel.modulesDir,
          'INPUT_SELFTESTS-DIR': hostileSelftests,
          INPUT_RUNNERS: 'test_verifier',
          'INPUT_OUTPUT-DIR': join(out, 'vm'),
          GITHUB_OUTPUT: githubOutput,
        },
        maxBuffer: 64 * 2 ** 20,
      }),
    );
    // The guest really printed them (into its log and, framed, onto the step's stdout)...
    const log = readFileSync(join(out, 'vm', 'test_verifier.log'), 'utf8');
    expect(log).toContain('::add-mask::secret-from-guest');
    expect(stdout).toContain('::add-mask::secret-from-guest');
    // ...and the runner reads no command of theirs: only ours, none carrying guest text.
    const commands = runnerCommands(stdout);
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) {
      expect(['stop-commands', 'debug', 'group', 'endgroup', 'error', 'warning']).toContain(c.name);
      expect(c.data).not.toMatch(/guest|secret|indented|forged|legacy/);
    }
    expect(commands.some((c) => c.name === 'add-mask')).toBe(false);
    // The action still did its job: the fake test_verifier's Summary parsed and the outputs set.
    expect(readFileSync(githubOutput, 'utf8')).toMatch(/conclusion<<.*\nsuccess\n/s);
  });
});
