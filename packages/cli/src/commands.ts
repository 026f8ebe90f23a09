// Every subcommand, one module each. Add new ones here.
import type { Command } from './command.ts';
import { veristatDiff } from './commands/veristat-diff.ts';

export const COMMANDS: Command[] = [veristatDiff];
