// `bpf-ci doctor`: everything the host check knows, in one report. Gathering is I/O; rendering
// is a pure function of the gathered facts.
import { cacheRoot } from '@bpf-ci/debian';
import { cacheState, type CacheState } from './cache-state.ts';
import { checkRequirements, systemProbes, type CheckResult, type HostProbes } from './check.ts';
import {
  checkKvm,
  checkNode,
  formatBytes,
  freeBytes,
  installFacts,
  requiredNodeMajor,
  type Verdict,
} from './machine.ts';
import { planInstall, type InstallFacts, type InstallPlan } from './plan.ts';
import { FIRST_USE_BYTES, needName } from './prepare.ts';
import { describeProbe, loadRequirements, select, type Need, type Requirement } from './requirements.ts';

/** The commands the doctor reports on by default, each with its default facets. */
export const DEFAULT_NEEDS: readonly Need[] = [
  { command: 'run' },
  { command: 'vmtest', facets: ['x86_64'] },
  { command: 'build', facets: ['x86_64', 'debian-source'], toolchain: { family: 'gcc' } },
  { command: 'unit' },
  { command: 'e2e' },
];

export interface DoctorReport {
  node: Verdict;
  kvm: Verdict;
  disk: { root: string; free: number; firstUse: number };
  cache: CacheState;
  /** Every requirement checked, once. */
  results: CheckResult[];
  /** Per command: what it lacks. */
  needs: { need: Need; missing: CheckResult[] }[];
  plan: InstallPlan;
}

export interface DoctorOptions {
  /** Only these commands; default DEFAULT_NEEDS and every entry of the list. */
  needs?: readonly Need[];
  env?: NodeJS.ProcessEnv;
  requirements?: readonly Requirement[];
  probes?: HostProbes;
  facts?: InstallFacts;
  sizes?: boolean;
}

export async function gatherDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const list = options.requirements ?? loadRequirements();
  const needs = options.needs ?? DEFAULT_NEEDS;
  const chosen = options.needs ? unique(needs.flatMap((n) => select(list, n))) : list;
  const results = await checkRequirements(chosen, options.probes ?? systemProbes(env));
  const missing = results.filter((r) => r.state !== 'ok');
  const root = cacheRoot(env);
  const firstUse = Math.max(...needs.map((n) => FIRST_USE_BYTES[n.command] ?? 0));
  return {
    node: checkNode(),
    kvm: checkKvm(),
    disk: { root, free: await freeBytes(root), firstUse },
    cache: await cacheState(root, { sizes: options.sizes ?? true }),
    results,
    needs: needs.map((need) => {
      const wanted = select(list, need);
      return { need, missing: missing.filter((m) => wanted.some((w) => same(w, m.requirement))) };
    }),
    plan: planInstall(missing, options.facts ?? (await installFacts(env, true))),
  };
}

function same(a: Requirement, b: Requirement): boolean {
  return a.package === b.package && describeProbe(a.probe) === describeProbe(b.probe);
}

function unique(list: Requirement[]): Requirement[] {
  return list.filter((r, i) => list.findIndex((o) => same(o, r)) === i);
}

/** The doctor's exit status: 0 when nothing needed is missing (KVM and disk only warn). */
export function doctorStatus(report: DoctorReport): number {
  return report.node.ok && report.results.every((r) => r.state === 'ok') ? 0 : 1;
}

export function renderDoctor(report: DoctorReport): string {
  const mark = (ok: boolean, bad = 'MISSING'): string => (ok ? 'ok' : bad).padEnd(8);
  const out: string[] = ['Machine'];
  out.push(
    `  ${mark(report.node.ok, 'TOO OLD')}Node     ${report.node.detail} (bpf-ci needs ${requiredNodeMajor()} or newer)`,
  );
  out.push(`  ${mark(report.kvm.ok, 'warning')}KVM      ${report.kvm.detail}`);
  const { disk } = report;
  const enough = disk.free >= disk.firstUse;
  out.push(
    `  ${mark(enough, 'warning')}disk     ${formatBytes(disk.free)} free for the cache (${disk.root})${
      disk.firstUse ? `; a first use takes about ${formatBytes(disk.firstUse)}` : ''
    }`,
  );
  out.push(...renderCache(report.cache));
  out.push('', 'Packages (packages/host/requirements.txt)');
  const rows = report.results.map((r) => {
    const req = r.requirement;
    const state = r.state === 'ok' ? 'ok' : r.state === 'too-old' ? 'TOO OLD' : 'MISSING';
    const what =
      r.state === 'ok'
        ? r.version
          ? `${describeProbe(req.probe)}: ${r.version}`
          : describeProbe(req.probe)
        : r.why;
    return [state, req.package, what, req.neededBy.join(','), req.purpose];
  });
  const width = (i: number): number => Math.max(...rows.map((r) => r[i]?.length ?? 0));
  const [w1, w2, w3] = [width(1), width(2), width(3)];
  for (const [state = '', pkg = '', what = '', by = '', purpose = ''] of rows) {
    out.push(`  ${state.padEnd(8)}${pkg.padEnd(w1)}  ${what.padEnd(w2)}  ${by.padEnd(w3)}  ${purpose}`);
  }
  out.push('', 'Commands');
  for (const { need, missing } of report.needs) {
    const lacks = missing.map((m) => m.requirement.package);
    out.push(
      `  ${mark(lacks.length === 0, 'lacks')}${needName(need)}${lacks.length ? `: ${[...new Set(lacks)].join(' ')}` : ''}`,
    );
  }
  const { plan } = report;
  const missingCount = report.results.filter((r) => r.state !== 'ok').length;
  out.push('');
  if (missingCount === 0) {
    out.push('Everything in the list is here.');
  } else if (plan.command) {
    out.push(
      `${missingCount} missing. Install ${missingCount === 1 ? 'it' : 'them'} with:`,
      `  ${plan.command}`,
    );
  } else {
    out.push(`${missingCount} missing (${plan.reason ?? 'no apt-get'}): ${plan.packages.join(' ')}`);
  }
  return out.join('\n');
}

function renderCache(cache: CacheState): string[] {
  if (!cache.exists || cache.kinds.length === 0) {
    return [`  ${'ok'.padEnd(8)}cache    ${cache.root} is empty: the first run fills it`];
  }
  const kinds = cache.kinds
    .map((k) => `${k.name} ${k.entries}${k.bytes === undefined ? '' : ` (${formatBytes(k.bytes)})`}`)
    .join(', ');
  const lines = [`  ${'ok'.padEnd(8)}cache    ${cache.root}: ${kinds}`];
  for (const t of cache.temporaries) {
    lines.push(
      t.live
        ? `  ${'busy'.padEnd(8)}cache    process ${t.pid} is setting up ${t.finalDir} now`
        : `  ${'warning'.padEnd(8)}cache    an earlier set-up was interrupted: ${t.path} is stale; the next run, vmtest or build removes it and rebuilds`,
    );
  }
  return lines;
}
