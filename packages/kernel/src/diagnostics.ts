// Compiler diagnostics (gcc and clang) out of a build log, and the choice of which become
// annotations. Pure: text in, records out.
//
//   gcc:   kernel/bpf/core.c:42:5: error: 'x' undeclared (first use in this function)
//   clang: kernel/bpf/core.c:42:5: error: use of undeclared identifier 'x'
// Linker, modpost and make lines are not diagnostics on a source line and are left alone.

import { capAnnotations } from '@bpf-ci/protocol';
import { isAbsolute, relative, resolve } from 'node:path';

export type DiagnosticSeverity = 'error' | 'warning';

export interface Diagnostic {
  file: string;
  line: number;
  column?: number;
  severity: DiagnosticSeverity;
  message: string;
  /** The warning option printed at the end of the message: [-Wflag] or [-Werror=flag]. */
  flag?: string;
  /** What the compiler printed after the message: source excerpt, caret, notes. */
  context: string[];
}

const DIAG =
  /^(?<file>[^\s:][^:]*?):(?<line>\d+):(?:(?<col>\d+):)?\s+(?<sev>fatal error|error|warning):\s+(?<msg>.*)$/;
const FLAG = /\s\[(-W[^\]]+)\]$/;
const NOTE = /^[^\s:][^:]*:\d+:(?:\d+:)?\s+note:/;
/** kbuild's quiet step lines ("  CC      kernel/bpf/core.o") are indented too but end a diagnostic. */
const KBUILD_STEP = /^\s{1,4}[A-Z][A-Z0-9_-]{1,15}\s/;

export function parseDiagnostics(text: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  let current: Diagnostic | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = DIAG.exec(line);
    if (m?.groups) {
      const g = m.groups;
      const message = (g['msg'] ?? '').trim();
      const flag = FLAG.exec(message)?.[1];
      current = {
        file: g['file'] ?? '',
        line: Number(g['line']),
        severity: g['sev'] === 'warning' ? 'warning' : 'error',
        message,
        context: [],
      };
      if (g['col'] !== undefined) current.column = Number(g['col']);
      if (flag) current.flag = flag;
      out.push(current);
      continue;
    }
    const continues = NOTE.test(line) || (/^\s/.test(line) && !KBUILD_STEP.test(line));
    if (current && continues) {
      if (current.context.length < 12) current.context.push(line);
    } else {
      current = undefined;
    }
  }
  return out;
}

export interface AnnotationChoice {
  shown: Diagnostic[];
  /** How many distinct diagnostics were left out by the cap. */
  omitted: number;
}

/**
 * Which diagnostics become annotations: distinct (file, line, message), errors before warnings,
 * then in the order the compiler printed them (the first error is usually the cause), at most `max`.
 */
export function chooseAnnotations(diagnostics: readonly Diagnostic[], max: number): AnnotationChoice {
  const seen = new Set<string>();
  const distinct: Diagnostic[] = [];
  for (const d of diagnostics) {
    const key = `${d.file}\0${d.line}\0${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    distinct.push(d);
  }
  // Errors first; GitHub's caps applied by the one capping function.
  const limit = Math.max(0, max);
  const { kept, dropped } = capAnnotations(
    distinct.map((d) => ({ d, level: d.severity, rank: d.severity === 'error' ? 0 : 1 })),
    { total: limit, perLevel: limit },
  );
  return { shown: kept.map((c) => c.d), omitted: dropped.length };
}

/**
 * The path of a diagnostic's file relative to the kernel source tree (what an annotation needs),
 * given the folder make ran the compiler in. Undefined for files outside the tree (system headers).
 */
export function sourceRelativePath(
  file: string,
  options: { sourceDir: string; buildDir: string },
): string | undefined {
  const absolute = isAbsolute(file) ? file : resolve(options.buildDir, file);
  const rel = relative(resolve(options.sourceDir), absolute);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel;
}
