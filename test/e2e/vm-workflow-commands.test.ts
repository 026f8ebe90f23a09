// A guest printing workflow commands (`::error::`, `::add-mask::`, `##[group]`, a forged
// ::stop-commands::) through the bundled vmtest-runner action, exactly as a GitHub runner would
// start it: the runner must see none of them as a command.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBundle } from '../helpers/action-harness.ts';
import { runnerCommands } from '../unit/report/runner-sim.ts';
import { defaultSetup, scratch, timed } from './helpers.ts';

const repo = join(import.meta.dirname, '..', '..');
// A "selftests" folder whose test_verifier is a script printing hostile lines from inside the guest.
const hostileSelftests = join(repo, 'test', 'fixtures', 'vm', 'hostile-selftests');

describe('vmtest-runner action', () => {
  it('lets no workflow command from the guest reach the runner', async () => {
    const setup = await defaultSetup();
    const out = scratch('commands');
    // Through the shared harness: the bundle of the current sources, inputs not given take
    // action.yml's defaults as on a runner.
    const run = await timed('workflow-command scenario (bundled action)', () =>
      runBundle('vmtest-runner', {
        'kernel-image': setup.kernel.vmlinuz,
        'modules-dir': setup.kernel.modulesDir,
        'selftests-dir': hostileSelftests,
        runners: 'test_verifier',
        'output-dir': join(out, 'vm'),
      }),
    );
    const { stdout } = run;
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
    expect(run.outputs['conclusion']).toBe('success');
  });
});
