// The Logger the actions use. Every workflow command goes through @bpf-ci/protocol's formatCommand
// (the one escaping module); untrusted text is framed with ::stop-commands::.
import { AnnotatingLogger, type AnnotationLevel, type AnnotationProperties } from '@bpf-ci/logger';
import {
  annotationCommand,
  formatCommand,
  mayHoldCommand,
  newStopToken,
  stopCommands,
  type Annotation,
  type CommandProperties,
} from '@bpf-ci/protocol';

export class ActionsLogger extends AnnotatingLogger {
  private readonly write: (text: string) => void;

  /** `write` receives whole lines (each ends with "\n"); default: the step's stdout. */
  constructor(write: (text: string) => void = (text) => void process.stdout.write(text)) {
    super();
    this.write = write;
  }

  info(message: string): void {
    // Our own messages can still quote a path or a name; never let one become a command.
    if (mayHoldCommand(message)) this.untrusted(message);
    else this.write(message.endsWith('\n') ? message : `${message}\n`);
  }

  debug(message: string): void {
    this.command('debug', {}, message);
  }

  annotate(level: AnnotationLevel, message: string, properties?: AnnotationProperties): void {
    const annotation: Annotation = { ...properties, level, message };
    this.write(`${annotationCommand(annotation)}\n`);
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

  private command(name: string, properties: CommandProperties, message: string): void {
    this.write(`${formatCommand(name, properties, message)}\n`);
  }
}
