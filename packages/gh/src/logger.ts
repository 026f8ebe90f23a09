// The Logger the actions use. Every workflow command goes through @bpf-ci/report's
// formatCommand (the one escaping module); untrusted text is framed with ::stop-commands::.
import type { AnnotationProperties, Logger } from '@bpf-ci/logger';
import { formatCommand, newStopToken, stopCommands, type CommandProperties } from '@bpf-ci/report';

export type AnnotationLevel = 'error' | 'warning' | 'notice';

function commandProperties(p: AnnotationProperties | undefined): CommandProperties {
  if (!p) return {};
  return {
    title: p.title,
    file: p.file,
    line: p.line,
    endLine: p.endLine,
    col: p.col,
    endColumn: p.endColumn,
  };
}

// A line the runner could read as a command: `::` after leading blanks, or legacy `##[` anywhere.
const LOOKS_LIKE_COMMAND = /^\s*::|##\[/m;

export class ActionsLogger implements Logger {
  private readonly write: (text: string) => void;

  /** `write` receives whole lines (each ends with "\n"); default: the step's stdout. */
  constructor(write: (text: string) => void = (text) => void process.stdout.write(text)) {
    this.write = write;
  }

  info(message: string): void {
    // Our own messages can still quote a path or a name; never let one become a command.
    if (LOOKS_LIKE_COMMAND.test(message)) this.untrusted(message);
    else this.write(message.endsWith('\n') ? message : `${message}\n`);
  }

  debug(message: string): void {
    this.command('debug', {}, message);
  }

  warning(message: string, properties?: AnnotationProperties): void {
    this.command('warning', commandProperties(properties), message);
  }

  error(message: string, properties?: AnnotationProperties): void {
    this.command('error', commandProperties(properties), message);
  }

  notice(message: string, properties?: AnnotationProperties): void {
    this.command('notice', commandProperties(properties), message);
  }

  async group<T>(title: string, body: () => Promise<T>): Promise<T> {
    this.command('group', {}, title);
    try {
      return await body();
    } finally {
      this.command('endgroup', {}, '');
    }
  }

  untrusted(text: string): void {
    this.write(stopCommands(text, newStopToken()));
  }

  /** Pre-formatted command lines (e.g. annotationCommands() from @bpf-ci/report). */
  commands(lines: readonly string[]): void {
    if (lines.length > 0) this.write(`${lines.join('\n')}\n`);
  }

  private command(name: string, properties: CommandProperties, message: string): void {
    this.write(`${formatCommand(name, properties, message)}\n`);
  }
}
