// Unified diffs (git diff, diff -u): which lines of the new version a change added or changed.
// A changed line is a removed line plus an added one, so the added ("+") lines of each hunk are
// exactly the new version's added and changed lines.
// https://www.gnu.org/software/diffutils/manual/html_node/Detailed-Unified.html
// Pure.

/** New-side path (a/ b/ prefixes removed) -> added line numbers in the new file, ascending. */
export type AddedLines = Map<string, number[]>;

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

function newPath(header: string): string | undefined {
  // "+++ b/kernel/bpf/verifier.c<TAB>date" or "+++ /dev/null" (a deleted file).
  const path = header.slice(4).split('\t')[0]!.trim();
  if (path === '/dev/null') return undefined;
  const unquoted = path.startsWith('"') && path.endsWith('"') ? path.slice(1, -1) : path;
  return unquoted.replace(/^[ab]\//, '');
}

export function parseUnifiedDiff(text: string): AddedLines {
  const added: AddedLines = new Map();
  let file: string | undefined;
  let next = 0;
  let remainingNew = 0;
  let remainingOld = 0;
  for (const line of text.split('\n')) {
    if (remainingNew > 0 || remainingOld > 0) {
      if (line.startsWith('+')) {
        if (file !== undefined) added.get(file)!.push(next);
        next++;
        remainingNew--;
        continue;
      }
      if (line.startsWith('-')) {
        remainingOld--;
        continue;
      }
      if (line.startsWith(' ') || line === '') {
        next++;
        remainingNew--;
        remainingOld--;
        continue;
      }
      if (line.startsWith('\\')) continue; // "\ No newline at end of file"
      remainingNew = remainingOld = 0; // a malformed hunk ends here; fall through to headers
    }
    if (line.startsWith('+++ ')) {
      file = newPath(line);
      if (file !== undefined && !added.has(file)) added.set(file, []);
      continue;
    }
    const hunk = HUNK.exec(line);
    if (hunk) {
      const oldCount = /^@@ -\d+,(\d+)/.exec(line)?.[1];
      next = Number(hunk[1]);
      remainingNew = hunk[2] === undefined ? 1 : Number(hunk[2]);
      remainingOld = oldCount === undefined ? 1 : Number(oldCount);
    }
  }
  for (const [path, lines] of added) if (lines.length === 0) added.delete(path);
  return added;
}
