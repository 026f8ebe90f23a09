// Every subcommand, one module each. Add new ones here.
import type { Command } from './command.ts';

export const COMMANDS: Command[] = [];
