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

export interface Logger {
  info(message: string): void;
  debug(message: string): void;
  warning(message: string, properties?: AnnotationProperties): void;
  error(message: string, properties?: AnnotationProperties): void;
  /** A folded section in the Actions log; a heading on a terminal. */
  group<T>(title: string, body: () => Promise<T>): Promise<T>;
  /**
   * Text we do not control (guest console, test output, compiler output). Never interpreted as a
   * workflow command: the Actions logger wraps it in ::stop-commands::.
   */
  untrusted(text: string): void;
}

/** Plain terminal logger for the command line: messages to stderr, nothing interpreted. */
export class ConsoleLogger implements Logger {
  private readonly out: NodeJS.WritableStream;
  private readonly verbose: boolean;

  constructor(options: { stream?: NodeJS.WritableStream; verbose?: boolean } = {}) {
    this.out = options.stream ?? process.stderr;
    this.verbose = options.verbose ?? false;
  }

  info(message: string): void {
    this.out.write(`${message}\n`);
  }

  debug(message: string): void {
    if (this.verbose) this.out.write(`debug: ${message}\n`);
  }

  warning(message: string, properties?: AnnotationProperties): void {
    this.out.write(`warning: ${where(properties)}${message}\n`);
  }

  error(message: string, properties?: AnnotationProperties): void {
    this.out.write(`error: ${where(properties)}${message}\n`);
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
export class MemoryLogger implements Logger {
  readonly entries: {
    level: 'info' | 'debug' | 'warning' | 'error' | 'group' | 'untrusted';
    message: string;
    properties?: AnnotationProperties;
  }[] = [];

  info(message: string): void {
    this.entries.push({ level: 'info', message });
  }
  debug(message: string): void {
    this.entries.push({ level: 'debug', message });
  }
  warning(message: string, properties?: AnnotationProperties): void {
    this.entries.push(properties ? { level: 'warning', message, properties } : { level: 'warning', message });
  }
  error(message: string, properties?: AnnotationProperties): void {
    this.entries.push(properties ? { level: 'error', message, properties } : { level: 'error', message });
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
