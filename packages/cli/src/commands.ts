// Every subcommand, one module each. Add new ones here.
import type { Command } from './command.ts';
import { buildCommand } from './commands/build.ts';
import { parseCommand } from './commands/parse.ts';
import { reportCommand } from './commands/report.ts';
import { runCommand } from './commands/run.ts';
import { vmtestCommand } from './commands/vmtest.ts';

export const COMMANDS: Command[] = [runCommand, buildCommand, vmtestCommand, parseCommand, reportCommand];
