// The logger every package takes instead of touching @actions/core, so the GitHub action (see
// packages/gh, ActionsLogger) and the `bpf-ci` command line (ConsoleLogger) run the same code.

/** Where an annotation points, as GitHub's workflow commands take it. */
export interface AnnotationProperties {
  title?: string;
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  endColumn?: number;
}

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Logger {
  info(message: string): void;
  debug(message: string): void;
  notice(message: string, properties?: AnnotationProperties): void;
  warning(message: string, properties?: AnnotationProperties): void;
  error(message: string, properties?: AnnotationProperties): void;
  /** An annotation whose level is data (e.g. chosen by a renderer): notice, warning or error. */
  annotate(level: AnnotationLevel, message: string, properties?: AnnotationProperties): void;
  /** A folded section in the Actions log; a heading on a terminal. */
  group<T>(title: string, body: () => Promise<T>): Promise<T>;
  /**
   * Text we do not control (guest console, test output, compiler output). Never interpreted as a
   * workflow command: the Actions logger wraps it in ::stop-commands::.
   */
  untrusted(text: string): void;
}

/**
 * The three levelled annotation methods of a Logger, each the same `annotate` call with its level:
 * a logger writes annotations in one place, whatever their level.
 */
export abstract class AnnotatingLogger implements Logger {
  abstract info(message: string): void;
  abstract debug(message: string): void;
  abstract annotate(level: AnnotationLevel, message: string, properties?: AnnotationProperties): void;
  abstract group<T>(title: string, body: () => Promise<T>): Promise<T>;
  abstract untrusted(text: string): void;

  notice(message: string, properties?: AnnotationProperties): void {
    this.annotate('notice', message, properties);
  }

  warning(message: string, properties?: AnnotationProperties): void {
    this.annotate('warning', message, properties);
  }

  error(message: string, properties?: AnnotationProperties): void {
    this.annotate('error', message, properties);
  }
}

/**
 * Plain terminal logger for the command line: messages to stderr, nothing interpreted. Inside a
 * GitHub Actions step the command line hands it a stream that frames workflow commands (see
 * @bpf-ci/protocol's guardedStream), since a terminal logger cannot tell a runner from a person.
 */
export class ConsoleLogger extends AnnotatingLogger {
  private readonly out: NodeJS.WritableStream;
  private readonly verbose: boolean;

  constructor(options: { stream?: NodeJS.WritableStream; verbose?: boolean } = {}) {
    super();
    this.out = options.stream ?? process.stderr;
    this.verbose = options.verbose ?? false;
  }

  info(message: string): void {
    this.out.write(`${message}\n`);
  }

  debug(message: string): void {
    if (this.verbose) this.out.write(`debug: ${message}\n`);
  }

  annotate(level: AnnotationLevel, message: string, properties?: AnnotationProperties): void {
    this.out.write(`${level}: ${where(properties)}${message}\n`);
  }

  async group<T>(title: string, body: () => Promise<T>): Promise<T> {
    this.out.write(`== ${title}\n`);
    return body();
  }

  untrusted(text: string): void {
    this.out.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}

/** A logger that keeps every message in memory: for tests and for capturing a step's log. */
export class MemoryLogger extends AnnotatingLogger {
  readonly entries: {
    level: 'info' | 'debug' | AnnotationLevel | 'group' | 'untrusted';
    message: string;
    properties?: AnnotationProperties;
  }[] = [];

  info(message: string): void {
    this.entries.push({ level: 'info', message });
  }
  debug(message: string): void {
    this.entries.push({ level: 'debug', message });
  }
  annotate(level: AnnotationLevel, message: string, properties?: AnnotationProperties): void {
    this.entries.push(properties ? { level, message, properties } : { level, message });
  }
  async group<T>(title: string, body: () => Promise<T>): Promise<T> {
    this.entries.push({ level: 'group', message: title });
    return body();
  }
  untrusted(text: string): void {
    this.entries.push({ level: 'untrusted', message: text });
  }
  messages(level?: MemoryLogger['entries'][number]['level']): string[] {
    return this.entries.filter((e) => level === undefined || e.level === level).map((e) => e.message);
  }
}

function where(p: AnnotationProperties | undefined): string {
  if (!p?.file) return p?.title ? `${p.title}: ` : '';
  return `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.title ? `${p.title}: ` : ''}`;
}
