// Every subcommand, one module each. Add new ones here.
import type { Command } from './command.ts';
import { reportCommand } from './commands/report.ts';

export const COMMANDS: Command[] = [reportCommand];
