// Every subcommand, one module each. Add new ones here.
import type { Command } from './command.ts';
import { buildCommand } from './commands/build.ts';

export const COMMANDS: Command[] = [buildCommand];
