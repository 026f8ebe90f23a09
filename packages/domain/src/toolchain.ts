// Which compiler builds a kernel: gcc or LLVM, optionally with a major version.
import { UserError } from './errors.ts';

export const TOOLCHAIN_FAMILIES = ['gcc', 'llvm'] as const;
export type ToolchainFamily = (typeof TOOLCHAIN_FAMILIES)[number];

export interface Toolchain {
  family: ToolchainFamily;
  /** Major version suffix (gcc-12, LLVM=-14), or undefined for the default one on PATH. */
  version?: number;
}

/** The spelling a config, an artifact name and a job name use: `gcc-15`, `llvm-22`. */
export const TOOLCHAIN_PATTERN = /^(gcc|llvm)-([1-9][0-9]*)$/;

/** Reads "gcc", "gcc-12", "llvm", "llvm-14" (also "clang"/"clang-14" as LLVM, any case). */
export function parseToolchain(text: string): Toolchain {
  const m = /^(gcc|llvm|clang)(?:-(\d+))?$/.exec(text.trim().toLowerCase());
  if (!m?.[1]) {
    throw new UserError(
      `unknown toolchain "${text}": use gcc, gcc-<major> (gcc-12), llvm or llvm-<major> (llvm-14)`,
    );
  }
  const family = m[1] === 'gcc' ? 'gcc' : 'llvm';
  return m[2] === undefined ? { family } : { family, version: Number(m[2]) };
}

/** A toolchain in the config's exact spelling (`gcc-15`), or undefined when written otherwise. */
export function parsePinnedToolchain(name: string): Required<Toolchain> | undefined {
  const m = TOOLCHAIN_PATTERN.exec(name);
  if (!m) return undefined;
  return { family: m[1] as ToolchainFamily, version: Number(m[2]) };
}

export function toolchainName(t: Toolchain): string {
  return t.version === undefined ? t.family : `${t.family}-${t.version}`;
}

/**
 * A fix for a toolchain written the way other tools spell it (`clang-18`, `gcc15`, `LLVM-17`, plain
 * `llvm`), or undefined when there is nothing obvious to suggest.
 */
export function suggestToolchain(
  written: string,
  defaultVersions: Record<ToolchainFamily, number>,
): string | undefined {
  const m = /^(gcc|llvm|clang)[-_ ]?([0-9]*)$/i.exec(written.trim());
  if (!m) return undefined;
  const family: ToolchainFamily = m[1]!.toLowerCase() === 'gcc' ? 'gcc' : 'llvm';
  const version = m[2] ? Number(m[2]) : defaultVersions[family];
  return `${family}-${version}`;
}
