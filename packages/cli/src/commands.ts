// Every subcommand, one module each. Add new ones here.
import type { Command } from './command.ts';
import { reportCommand } from './commands/report.ts';
import { veristatDiff } from './commands/veristat-diff.ts';

export const COMMANDS: Command[] = [reportCommand, veristatDiff];
