import { ActionsLogger, appendStepSummary, remainingSummaryBytes } from '@bpf-ci/gh';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOSTILE } from './gfm.ts';
import { runnerCommands } from './runner-sim.ts';

function capture(): { logger: ActionsLogger; out: () => string } {
  let text = '';
  return { logger: new ActionsLogger((t) => (text += t)), out: () => text };
}

describe('ActionsLogger', () => {
  it('frames untrusted text in stop-commands: the runner runs none of it, and it is all there', () => {
    const { logger, out } = capture();
    logger.untrusted(HOSTILE.join('\n'));
    logger.error('after', { title: 't' });
    expect(runnerCommands(out())).toEqual([{ name: 'error', properties: { title: 't' }, data: 'after' }]);
    expect(out()).toContain(`\n${HOSTILE.join('\n')}\n`);
  });

  it('uses a new token each time', () => {
    const { logger, out } = capture();
    logger.untrusted('a');
    logger.untrusted('b');
    const tokens = [...out().matchAll(/^::stop-commands::(\w+)$/gm)].map((m) => m[1]);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).not.toBe(tokens[1]);
  });

  it('escapes annotation titles and messages, and folds groups even when the body throws', async () => {
    const { logger, out } = capture();
    logger.warning('line1\nline2 ::error::x', { title: 'a: b, c', file: 'x.c', line: 3 });
    await expect(logger.group('::group:: <name>', () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(out()).toBe(
      '::warning title=a%3A b%2C c,file=x.c,line=3::line1%0Aline2 ::error::x\n::group::::group:: <name>\n::endgroup::\n',
    );
    expect(runnerCommands(out()).map((c) => c.name)).toEqual(['warning', 'group', 'endgroup']);
  });

  it('never lets an info message become a command', () => {
    const { logger, out } = capture();
    logger.info('Reading /tmp/::error::x.log');
    logger.info('::add-mask::oops');
    logger.info('plain');
    expect(runnerCommands(out())).toEqual([]);
    expect(out()).toContain('\n::add-mask::oops\n');
    expect(out().endsWith('plain\n')).toBe(true);
  });
});

describe('step summary file', () => {
  it('appends, never overwrites, and reports the bytes left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-summary-'));
    const file = join(dir, 'summary.md');
    writeFileSync(file, '# written by an earlier tool\n');
    const env = { GITHUB_STEP_SUMMARY: file };
    await appendStepSummary('## ours ✅\n', env);
    expect(readFileSync(file, 'utf8')).toBe('# written by an earlier tool\n## ours ✅\n');
    expect(await remainingSummaryBytes(env)).toBe(
      1024 * 1024 - Buffer.byteLength('# written by an earlier tool\n## ours ✅\n'),
    );
    await expect(appendStepSummary('x', {})).rejects.toThrow(/GITHUB_STEP_SUMMARY is not set/);
  });
});
