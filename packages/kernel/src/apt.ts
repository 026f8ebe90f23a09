// Pure readers for apt's text output, so the package resolution is testable without apt.

/** The packages a metapackage depends on, from `apt-cache depends NAME` output. */
export function parseAptDepends(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\|?Depends:\s*(\S+)/.exec(line);
    if (m?.[1] && !m[1].startsWith('<')) out.push(m[1]);
  }
  return out;
}

/** The `Version:` field of the first stanza of `apt-cache show` output. */
export function parseAptVersion(text: string): string | undefined {
  return /^Version:\s*(\S+)/m.exec(text)?.[1];
}
