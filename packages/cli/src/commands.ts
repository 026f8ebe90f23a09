// Every subcommand, one module each. Add new ones here.
import type { Command } from './command.ts';
import { parseCommand } from './commands/parse.ts';
import { reportCommand } from './commands/report.ts';
import { veristatDiff } from './commands/veristat-diff.ts';
import { matrixCommand } from './commands/matrix.ts';
import { buildCommand } from './commands/build.ts';
import { runCommand } from './commands/run.ts';
import { vmtestCommand } from './commands/vmtest.ts';
import { runReportCommand } from './commands/run-report.ts';
import { statsCommand } from './commands/stats.ts';
import { doctorCommand } from './commands/doctor.ts';
import { quarantineCommand } from './commands/quarantine.ts';
import { coverageCommand } from './commands/coverage.ts';
import { reproCommand } from './commands/repro.ts';

export const COMMANDS: Command[] = [
  runCommand,
  buildCommand,
  vmtestCommand,
  parseCommand,
  reportCommand,
  veristatDiff,
  matrixCommand,
  runReportCommand,
  statsCommand,
  doctorCommand,
  quarantineCommand,
  coverageCommand,
  reproCommand,
];
