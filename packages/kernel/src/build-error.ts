import { parseDiagnostics } from './diagnostics.ts';
import type { CommandError } from './exec.ts';

/** A make run that failed: the message names the compiler's errors; `log` keeps the whole output. */
export class BuildError extends Error {
  readonly log: string;
  readonly logPath: string | undefined;
  constructor(what: string, log: string, cause: CommandError, logPath?: string) {
    const errors = parseDiagnostics(log).filter((d) => d.severity === 'error');
    const lines = errors.length
      ? errors.slice(0, 20).map((d) => `${d.file}:${d.line}${d.column ? `:${d.column}` : ''}: ${d.message}`)
      : cause.tail.filter((l) => /error|Error|\*\*\*/.test(l)).slice(-20);
    const where = logPath ? `; full log in ${logPath}` : '';
    super(`${what} build failed (make exited with ${cause.code})${where}:\n${lines.join('\n')}`, { cause });
    this.name = 'BuildError';
    this.log = log;
    this.logPath = logPath;
  }
}
