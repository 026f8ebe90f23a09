import { ConsoleLogger } from '@bpf-ci/logger';
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

export async function main(argv: string[], io?: Partial<CommandIo>): Promise<number> {
  const full: CommandIo = {
    stdout: io?.stdout ?? process.stdout,
    logger: io?.logger ?? new ConsoleLogger({ verbose: process.env['BPF_CI_VERBOSE'] === '1' }),
    cwd: io?.cwd ?? process.cwd(),
    env: io?.env ?? process.env,
  };
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    full.stdout.write(`${help()}\n`);
    return name === undefined ? EX_USAGE : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    full.logger.error(`unknown command '${name}'\n${help()}`);
    return EX_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    full.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, full);
  } catch (err) {
    if (err instanceof UsageError) {
      full.logger.error(`${err.message}\n\n${command.usage}`);
      return EX_USAGE;
    }
    full.logger.error(`bpf-ci ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
