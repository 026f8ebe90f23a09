import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with each complete line of stdout and stderr (interleaved as they arrive). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** How many trailing lines to keep for the error message. */
  keepLines?: number;
}

export interface RunResult {
  code: number;
  /** The last `keepLines` lines of combined output. */
  tail: string[];
}

/** A command that exited non-zero; carries the tail of its output so callers can say why. */
export class CommandError extends Error {
  readonly code: number;
  readonly tail: string[];
  constructor(command: string, args: readonly string[], code: number, tail: string[]) {
    super(`${command} ${args.join(' ')} exited with ${code}${tail.length ? `:\n${tail.join('\n')}` : ''}`);
    this.name = 'CommandError';
    this.code = code;
    this.tail = tail;
  }
}

/**
 * Runs a program with an argument array (never a shell string), streaming its output line by line.
 * Rejects with CommandError when it exits non-zero.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const keep = options.keepLines ?? 200;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const feed = (stream: 'stdout' | 'stderr'): ((chunk: Buffer) => void) => {
      let partial = '';
      const flush = (line: string): void => {
        tail.push(line);
        if (tail.length > keep) tail.shift();
        options.onLine?.(line, stream);
      };
      const source = stream === 'stdout' ? child.stdout : child.stderr;
      source.on('end', () => {
        if (partial) flush(partial);
        partial = '';
      });
      return (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) flush(line);
      };
    };
    child.stdout.on('data', feed('stdout'));
    child.stderr.on('data', feed('stderr'));
    child.on('error', (err) => reject(new Error(`cannot run ${command}: ${err.message}`)));
    child.on('close', (code, signal) => {
      const exit = code ?? (signal ? 128 : 1);
      if (exit === 0) resolvePromise({ code: 0, tail });
      else reject(new CommandError(command, args, exit, tail));
    });
  });
}

/** Runs a program and returns its whole stdout (for short queries like `apt-cache depends`). */
export async function capture(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  const out: string[] = [];
  await run(command, args, {
    ...options,
    onLine: (line, stream) => {
      if (stream === 'stdout') out.push(line);
      options.onLine?.(line, stream);
    },
  });
  return out.join('\n');
}

/**
 * CPU seconds (user + system) used so far by this process's finished children and their waited-for
 * descendants (make → gcc), from /proc/self/stat: a build's cost that does not depend on how busy
 * the machine is. Undefined off Linux.
 */
export function childCpuSeconds(
  readStat: () => string = () => readFileSync('/proc/self/stat', 'utf8'),
): number | undefined {
  let stat: string;
  try {
    stat = readStat();
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces) in parentheses; cutime, cstime are 16, 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cutime = Number(fields[13]);
  const cstime = Number(fields[14]);
  if (!Number.isFinite(cutime) || !Number.isFinite(cstime)) return undefined;
  return (cutime + cstime) / CLOCK_TICKS;
}

/** USER_HZ: 100 on every Linux architecture we build for. */
const CLOCK_TICKS = 100;
