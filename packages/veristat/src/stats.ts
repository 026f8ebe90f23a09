// veristat's statistics (tools/testing/selftests/bpf/veristat.c `stat_defs[]`): how each one is spelled as a CSV
// header, as a table header (today's and the v6.1 spelling) and what kind of value it holds.

export type StatKind = 'key' | 'verdict' | 'number' | 'text';

export interface StatDef {
  /** Our id for the stat: veristat's short `-e` name. */
  id: string;
  kind: StatKind;
  /** CSV header first (what `-o csv` prints), then the aliases `-e`/`-s`/`-f` accept. */
  names: readonly string[];
  /** Table headers: today's spelling first, then older ones (v6.1 `Total insns`). */
  headers: readonly string[];
  /** Unit shown in reports. */
  unit?: string;
}

export const STATS: readonly StatDef[] = [
  { id: 'file', kind: 'key', names: ['file_name', 'filename', 'file'], headers: ['File'] },
  { id: 'prog', kind: 'key', names: ['prog_name', 'progname', 'prog'], headers: ['Program'] },
  { id: 'verdict', kind: 'verdict', names: ['verdict'], headers: ['Verdict'] },
  { id: 'duration', kind: 'number', names: ['duration', 'dur'], headers: ['Duration (us)'], unit: 'µs' },
  { id: 'insns', kind: 'number', names: ['total_insns', 'insns'], headers: ['Insns', 'Total insns'] },
  { id: 'states', kind: 'number', names: ['total_states', 'states'], headers: ['States', 'Total states'] },
  { id: 'peak_states', kind: 'number', names: ['peak_states'], headers: ['Peak states'] },
  {
    id: 'max_states_per_insn',
    kind: 'number',
    names: ['max_states_per_insn'],
    headers: ['Max states per insn'],
  },
  {
    id: 'mark_read',
    kind: 'number',
    names: ['max_mark_read_len', 'mark_read'],
    headers: ['Max mark read length'],
  },
  { id: 'prog_size', kind: 'number', names: ['prog_size'], headers: ['Program size'] },
  { id: 'prog_size_jited', kind: 'number', names: ['prog_size_jited'], headers: ['Jited size'] },
  { id: 'stack_depth', kind: 'number', names: ['stack_depth', 'stack'], headers: ['Stack depth'] },
  { id: 'prog_type', kind: 'text', names: ['prog_type'], headers: ['Program type'] },
  { id: 'attach_type', kind: 'text', names: ['attach_type'], headers: ['Attach type'] },
  { id: 'mem_peak', kind: 'number', names: ['mem_peak'], headers: ['Peak memory (MiB)'], unit: 'MiB' },
];

/** veristat stops verification after 1M instructions and reports this count. */
export const INSN_LIMIT = 1_000_001;

const byName = new Map<string, StatDef>();
for (const stat of STATS) {
  for (const name of [...stat.names, ...stat.headers]) byName.set(normaliseHeader(name), stat);
}

/** Lower case, single spaces: `Insns   (DIFF)` padding and header case do not matter. */
export function normaliseHeader(header: string): string {
  return header.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The stat a CSV or table header names, or undefined for a column this version does not know. */
export function statForHeader(header: string): StatDef | undefined {
  return byName.get(normaliseHeader(header));
}

export function statById(id: string): StatDef | undefined {
  return STATS.find((s) => s.id === id);
}

/** Header text for reports: the table header veristat prints today, or the column name as found. */
export function statLabel(id: string): string {
  return statById(id)?.headers[0] ?? id;
}

/** The ids and aliases a config may name (unknown columns go by their header text). */
export function knownStatNames(): string[] {
  return STATS.filter((s) => s.kind === 'number').flatMap((s) => [
    s.id,
    ...s.names.filter((n) => n !== s.id),
  ]);
}
