import { ConsoleLogger } from '@bpf-ci/logger';
import { guardedStream } from '@bpf-ci/protocol';
import { UsageError, type CommandIo } from './command.ts';
import { COMMANDS } from './commands.ts';

const EX_USAGE = 64;

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 4);
  return [
    'usage: bpf-ci <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'bpf-ci <command> --help' for a command's options.",
  ].join('\n');
}

/**
 * The process's streams as the commands see them. Inside a GitHub Actions step the runner reads
 * both stdout and stderr for workflow commands, and the command line prints file names, test
 * names and logs it does not control: there, every batch of lines that could hold a command
 * (`::` or `##[` anywhere) is framed in ::stop-commands:: (guardedStream).
 */
function processIo(io: Partial<CommandIo> | undefined): { io: CommandIo; flush: () => void } {
  const env = io?.env ?? process.env;
  const inActions = env['GITHUB_ACTIONS'] === 'true';
  const out = inActions ? guardedStream(io?.stdout ?? process.stdout) : undefined;
  const err = inActions && !io?.logger ? guardedStream(process.stderr) : undefined;
  const stdout = out ?? io?.stdout ?? process.stdout;
  return {
    io: {
      stdout,
      commands:
        io?.commands ??
        ((lines) => {
          for (const line of lines) {
            if (out) out.guard.command(line);
            else stdout.write(`${line}\n`);
          }
        }),
      logger:
        io?.logger ??
        new ConsoleLogger({
          verbose: env['BPF_CI_VERBOSE'] === '1',
          ...(err ? { stream: err } : {}),
        }),
      cwd: io?.cwd ?? process.cwd(),
      env,
    },
    flush: () => {
      out?.guard.flush();
      err?.guard.flush();
    },
  };
}

export async function main(argv: string[], given?: Partial<CommandIo>): Promise<number> {
  const { io, flush } = processIo(given);
  try {
    return await dispatch(argv, io);
  } finally {
    flush();
  }
}

/**
 * A bad command line: our own UsageError, or util.parseArgs' rejection (an unknown option, a
 * missing value, a stray positional), which every command lets through to here.
 */
function isUsageError(err: unknown): err is Error {
  if (err instanceof UsageError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

async function dispatch(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${help()}\n`);
    return name === undefined ? EX_USAGE : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.logger.error(`unknown command '${name}'\n${help()}`);
    return EX_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (isUsageError(err)) {
      io.logger.error(`${err.message}\n\n${command.usage}`);
      return EX_USAGE;
    }
    io.logger.error(`bpf-ci ${name}: ${err instanceof Error ? err.message : String(err)}`);
    if (err instanceof Error && err.stack) io.logger.debug(err.stack);
    return 1;
  }
}
