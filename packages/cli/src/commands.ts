// Every subcommand, one module each. Add new ones here.
import type { Command } from './command.ts';
import { parseCommand } from './commands/parse.ts';
import { reportCommand } from './commands/report.ts';

export const COMMANDS: Command[] = [parseCommand, reportCommand];
