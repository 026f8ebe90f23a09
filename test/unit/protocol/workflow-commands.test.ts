import { escapeData, escapeProperty, formatCommand, newStopToken, stopCommands } from '@bpf-ci/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOSTILE } from '../report/gfm.ts';
import { runnerCommands } from '../report/runner-sim.ts';

describe('workflow command escaping', () => {
  it('escapes data and properties as actions/toolkit does, % first', () => {
    expect(escapeData('100%\r\nnext')).toBe('100%25%0D%0Anext');
    expect(escapeData('%0A')).toBe('%250A');
    expect(escapeProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
  });

  it('formats a titled annotation the runner reads back exactly', () => {
    const line = formatCommand(
      'error',
      { title: 'test_progs on x86_64 with gcc: #141 netcnt' },
      'actual 10001 != expected 10006\nnext line',
    );
    expect(line).toBe(
      '::error title=test_progs on x86_64 with gcc%3A #141 netcnt::actual 10001 != expected 10006%0Anext line',
    );
    expect(runnerCommands(line)).toEqual([
      {
        name: 'error',
        properties: { title: 'test_progs on x86_64 with gcc: #141 netcnt' },
        data: 'actual 10001 != expected 10006\nnext line',
      },
    ]);
  });

  it('drops empty properties and rejects names that are not commands', () => {
    expect(formatCommand('notice', { title: '', line: undefined, col: 3 }, 'x')).toBe('::notice col=3::x');
    expect(() => formatCommand('error::x', {}, 'm')).toThrow(/not a workflow command name/);
    expect(() => formatCommand('error', { 'a=b': 'x' }, 'm')).toThrow(/not a property name/);
  });

  it('any title and message reach the runner as one command, unchanged (property-based)', () => {
    const hostile = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom(...HOSTILE), fc.string());
    fc.assert(
      fc.property(
        hostile,
        hostile,
        fc.constantFrom('error', 'warning', 'notice'),
        (title, message, level) => {
          const commands = runnerCommands(formatCommand(level, { title }, message));
          expect(commands).toHaveLength(1);
          expect(commands[0]?.name).toBe(level);
          // The runner trims the property list (edge whitespace cannot be sent) and drops empty values.
          expect(commands[0]?.properties['title']).toBe(title.trim() === '' ? undefined : title.trim());
          expect(commands[0]?.data).toBe(message);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('hostile strings never issue a command of their own', () => {
    for (const s of HOSTILE) {
      const commands = runnerCommands(formatCommand('warning', { title: s }, `${s}\n${s}\r${s}`));
      expect(commands.map((c) => c.name)).toEqual(['warning']);
    }
  });
});

describe('stop-commands', () => {
  it('frames untrusted text so the runner executes none of it, then resumes', () => {
    const token = newStopToken();
    const untrusted = HOSTILE.join('\n');
    const block = stopCommands(untrusted, token);
    const lines = block.split('\n');
    expect(lines[0]).toBe(`::stop-commands::${token}`);
    expect(lines.at(-2)).toBe(`::${token}::`);
    expect(lines.slice(1, -2).join('\n')).toBe(untrusted); // nothing lost
    const after = formatCommand('notice', {}, 'resumed');
    expect(runnerCommands(`${block}${after}\n`)).toEqual([
      { name: 'notice', properties: {}, data: 'resumed' },
    ]);
    // Without the frame the same text would have issued commands:
    expect(runnerCommands(untrusted).map((c) => c.name)).toEqual([
      'error',
      'add-mask',
      'set-output',
      'error',
    ]);
  });

  it('uses a fresh unguessable token and refuses text that contains it', () => {
    const a = newStopToken();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(newStopToken()).not.toBe(a);
    expect(() => stopCommands(`::${a}::\n::error::x`, a)).toThrow(/contains the stop-commands token/);
    expect(() => stopCommands('x', 'short')).toThrow(/16\+ random/);
  });
});
