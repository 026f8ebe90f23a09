// Pure readers for apt's text output, so the package resolution is testable without apt.

/**
 * The packages a package depends on, from `apt-cache depends NAME` output. A foreign-arch query
 * prints an arch-all dependency as `<name:arch>` (no such package for that arch) followed by the
 * real package on an indented line; both forms give the bare name.
 */
export function parseAptDepends(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\|?Depends:\s*(\S+)/.exec(line);
    const name = m?.[1];
    if (!name) continue;
    const bracketed = /^<([^:>]+)(?::[^>]+)?>$/.exec(name);
    if (bracketed?.[1]) out.push(bracketed[1]);
    else if (!name.startsWith('<')) out.push(name);
  }
  return out;
}

/** The `Version:` field of the first stanza of `apt-cache show` output. */
export function parseAptVersion(text: string): string | undefined {
  return /^Version:\s*(\S+)/m.exec(text)?.[1];
}
