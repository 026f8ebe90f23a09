// Every subcommand, one module each. Add new ones here.
import type { Command } from './command.ts';
import { buildCommand } from './commands/build.ts';
import { runCommand } from './commands/run.ts';
import { vmtestCommand } from './commands/vmtest.ts';

export const COMMANDS: Command[] = [buildCommand, runCommand, vmtestCommand];
