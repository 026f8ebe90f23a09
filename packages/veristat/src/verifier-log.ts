// veristat -v output: for each program
//   PROCESSING <file>/<prog>, DURATION US: <n>, VERDICT: <success|failure>, VERIFIER LOG:
//   <the verifier's log, many lines>
// followed by the next PROCESSING block, the next object's `Processing '...'` line or the table.

export interface VerifierLog {
  file: string;
  prog: string;
  durationUs: number;
  verdict: string;
  lines: string[];
}

const PROCESSING =
  /^PROCESSING (?<path>.+)\/(?<prog>[^/]+), DURATION US: (?<dur>\d+), VERDICT: (?<verdict>\w+), VERIFIER LOG:$/;
const END_OF_BLOCK = /^(Processing '.*'\.\.\.|Done\. .*)$/;

/** Logs keyed `file/prog`, with `file` the object's base name as veristat's tables print it. */
export function parseVerifierLogs(text: string): Map<string, VerifierLog> {
  const logs = new Map<string, VerifierLog>();
  const lines = text.split(/\r?\n/);
  let current: VerifierLog | undefined;
  for (const [i, line] of lines.entries()) {
    const m = PROCESSING.exec(line);
    if (m?.groups) {
      const file = (m.groups['path'] ?? '').split('/').at(-1) ?? '';
      current = {
        file,
        prog: m.groups['prog'] ?? '',
        durationUs: Number(m.groups['dur']),
        verdict: m.groups['verdict'] ?? '',
        lines: [],
      };
      logs.set(`${file}/${current.prog}`, current);
      continue;
    }
    if (!current) continue;
    const next = lines[i + 1] ?? '';
    if (END_OF_BLOCK.test(line) || (/^-+(?: {2}-+)+\s*$/.test(next) && /^File\s/.test(line.trim()))) {
      current = undefined;
      continue;
    }
    current.lines.push(line);
  }
  for (const log of logs.values()) {
    while (log.lines.at(-1)?.trim() === '') log.lines.pop();
  }
  return logs;
}

/** The last `count` lines: where the verifier says why it rejected the program. */
export function logTail(log: VerifierLog, count = 40): { lines: string[]; omitted: number } {
  const lines = log.lines.slice(-count);
  return { lines, omitted: log.lines.length - lines.length };
}
