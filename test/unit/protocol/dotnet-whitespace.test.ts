// The runner trims each output line with .NET's String.TrimStart() before it looks for `::`, and
// .NET's white space is not JavaScript's `\s` (U+0085 NEL is white space to .NET only). These
// tests put every Unicode white-space and line-separator character (and the invisible ones people
// mistake for them) in front of command text, through every way bpf-ci writes to a step's log,
// and read the output back with a runner emulation that applies .NET's trim rules.
import { ActionsLogger } from '@bpf-ci/gh';
import { ConsoleLogger } from '@bpf-ci/logger';
import { CommandGuard, DOTNET_WHITESPACE, mayHoldCommand, runnerCommandName } from '@bpf-ci/protocol';
import fc from 'fast-check';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HOSTILE } from '../report/gfm.ts';
import { DOTNET_SPACE, runnerCommands } from '../report/runner-sim.ts';

/** Every BMP code point that any of the usual definitions calls white space or a line break. */
const SPACES: string[] = [];
for (let cp = 0; cp <= 0xffff; cp++) {
  const c = String.fromCharCode(cp);
  if (/\s/.test(c) || /[\p{White_Space}\p{Zl}\p{Zp}\p{Zs}]/u.test(c) || DOTNET_SPACE.test(c)) SPACES.push(c);
}
// Invisible characters that are NOT white space anywhere but look like it (zero-width space,
// joiners, byte-order mark, Mongolian vowel separator).
const INVISIBLE = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u180e'];

const COMMANDS = [
  '::error::pwned',
  '::add-mask::x',
  '::set-output name=a::b',
  '::stop-commands::tok',
  '##[error]x',
];

const prefix = fc
  .array(fc.constantFrom(...SPACES, ...INVISIBLE), { minLength: 1, maxLength: 6 })
  .map((a) => a.join(''));
const hostile = fc
  .tuple(prefix, fc.constantFrom(...COMMANDS, ...HOSTILE), fc.string())
  .map(([p, c, s]) => p + c + s);

describe('.NET white space', () => {
  it('DOTNET_WHITESPACE is exactly the characters .NET Char.IsWhiteSpace accepts', () => {
    expect([...DOTNET_WHITESPACE].sort()).toEqual(SPACES.filter((c) => DOTNET_SPACE.test(c)).sort());
    expect(DOTNET_WHITESPACE).toContain('\u0085');
    expect(/\s/.test('\u0085')).toBe(false); // why this file exists
  });

  it('runnerCommandName sees the command the runner emulation sees after any white space', () => {
    for (const c of SPACES) {
      if (c === '\n' || c === '\r') continue; // the runner splits lines there
      expect(runnerCommandName(`${c}${c}::error::x`), JSON.stringify(c)).toBe(
        DOTNET_SPACE.test(c) ? 'error' : undefined,
      );
    }
  });

  it('any text holding `::` or `##[` anywhere takes the untrusted path', () => {
    const commandText = fc
      .tuple(prefix, fc.constantFrom(...COMMANDS), fc.string())
      .map(([p, c, s]) => p + c + s);
    fc.assert(
      fc.property(commandText, (text) => {
        expect(mayHoldCommand(text)).toBe(true);
      }),
    );
  });
});

describe('no output line starts a command after .NET trim', () => {
  it('ActionsLogger: info, debug, notice, warning, error, group and untrusted run only their own command', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (message, title) => {
        let out = '';
        const logger = new ActionsLogger((t) => (out += t));
        logger.info(message);
        logger.untrusted(message);
        logger.debug(message);
        logger.notice(message, { title, file: title });
        logger.warning(message, { title });
        logger.error(message);
        await logger.group(message, () => Promise.resolve());
        const names = runnerCommands(out).map((c) => c.name);
        expect(names).toEqual(['debug', 'notice', 'warning', 'error', 'group', 'endgroup']);
        const data = runnerCommands(out).map((c) => c.data);
        expect(data.slice(0, 5)).toEqual([message, message, message, message, message]);
      }),
      { numRuns: 300 },
    );
  });

  it('the command line inside Actions: CommandGuard frames whatever it is given, in any chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(hostile, fc.string()), { maxLength: 8 }), (chunks) => {
        let out = '';
        const guard = new CommandGuard((t) => (out += t));
        for (const chunk of chunks) guard.write(chunk);
        guard.command('::notice::meant');
        guard.flush();
        expect(runnerCommands(out)).toEqual([{ name: 'notice', properties: {}, data: 'meant' }]);
        // Nothing is lost: without the framing lines, the text is what was written.
        const text = out
          .split('\n')
          .filter((l) => !/^::(stop-commands::)?[0-9a-f]{32}::$|^::stop-commands::[0-9a-f]{32}$/.test(l))
          .join('\n');
        const written = chunks.join('');
        const partial = written !== '' && !written.endsWith('\n');
        expect(text.replace('::notice::meant\n', '')).toBe(partial ? `${written}\n` : written);
      }),
      { numRuns: 300 },
    );
  });

  it('ConsoleLogger writing into a guarded stream (the CLI inside Actions) runs no command', () => {
    fc.assert(
      fc.property(hostile, (message) => {
        let out = '';
        const guard = new CommandGuard((t) => (out += t));
        const stream = new Writable({
          write(chunk: Buffer | string, _e, cb) {
            guard.write(String(chunk));
            cb();
          },
        });
        const logger = new ConsoleLogger({ stream, verbose: true });
        logger.info(message);
        logger.warning(message, { file: message });
        logger.error(message);
        logger.debug(message);
        logger.untrusted(message);
        guard.flush();
        expect(runnerCommands(out)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
