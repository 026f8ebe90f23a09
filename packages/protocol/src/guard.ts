// Output of a process that runs inside a GitHub Actions step but was not written for one (the
// `bpf-ci` command line): the runner reads every line of the step's stdout AND stderr for workflow
// commands, so each batch of lines that could hold one is framed in ::stop-commands:: with a fresh
// token. Lines are passed on whole: a partial line waits for its end (or flush()).
import { Writable } from 'node:stream';
import { mayHoldCommand, newStopToken, stopCommands } from './commands.ts';

export class CommandGuard {
  private pending = '';
  private readonly sink: (text: string) => void;

  constructor(sink: (text: string) => void) {
    this.sink = sink;
  }

  write(text: string): void {
    const all = this.pending + text;
    const end = all.lastIndexOf('\n');
    if (end < 0) {
      this.pending = all;
      return;
    }
    this.pending = all.slice(end + 1);
    this.emit(all.slice(0, end + 1));
  }

  /** Passes on a partial last line as a line of its own (so what follows starts a new line). */
  flush(): void {
    const rest = this.pending;
    this.pending = '';
    if (rest !== '') this.emit(`${rest}\n`);
  }

  /** A workflow command this program means to send, formatted by formatCommand(). */
  command(line: string): void {
    this.flush();
    this.sink(`${line}\n`);
  }

  private emit(lines: string): void {
    this.sink(mayHoldCommand(lines) ? stopCommands(lines, newStopToken()) : lines);
  }
}

/** A stream that writes through a CommandGuard into `target`; end() flushes a partial line. */
export function guardedStream(target: { write(text: string): unknown }): Writable & { guard: CommandGuard } {
  const guard = new CommandGuard((text) => void target.write(text));
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      guard.write(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      callback();
    },
    final(callback) {
      guard.flush();
      callback();
    },
  });
  return Object.assign(stream, { guard });
}
