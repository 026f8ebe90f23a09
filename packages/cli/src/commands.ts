// Every subcommand, one module each. Add new ones here.
import type { Command } from './command.ts';
import { matrixCommand } from './commands/matrix.ts';

export const COMMANDS: Command[] = [matrixCommand];
