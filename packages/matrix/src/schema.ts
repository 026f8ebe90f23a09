// The one schema of .github/bpf-ci.yml. Every key is optional: what is left out takes the value
// that reproduces kernel-patches/bpf's matrix (see defaults.ts). Objects are strict so that a
// typo'd key is an error with a suggestion instead of a silently ignored setting.
import { z } from 'zod';
import { COVERAGE_DIRECTORY } from '@bpf-ci/domain';
import { DEFAULTS } from './defaults.ts';
import { closest } from './suggest.ts';
import {
  ARCHES,
  BPF_RUNNERS,
  PARALLEL_RUNNERS,
  TOOLCHAIN_PATTERN,
  parsePinnedToolchain,
  suggestToolchain,
  type Arch,
} from '@bpf-ci/domain';
import { FlakyConfig } from './flaky-config.ts';
import { VeristatKeys } from './veristat-matrix.ts';

const DEFAULT_VERSIONS = {
  gcc: parsePinnedToolchain(DEFAULTS.toolchains[0])!.version,
  llvm: parsePinnedToolchain(DEFAULTS.toolchains[1])!.version,
};

/** Fix and expectation for a custom issue; the loader shows them next to the line and column. */
export interface IssueHelp {
  expected?: string;
  fix?: string;
  /** Path of another node the message refers to (shown as its line and column). */
  related?: (string | number)[];
  /** The problem is the key of the map entry at the path, not its value. */
  atKey?: boolean;
}

function help(h: IssueHelp): { params: IssueHelp } {
  return { params: h };
}

const Arch = z.enum(ARCHES);

/** A string that must name a toolchain; `fixFor` turns the likely intended toolchain into a fix. */
function toolchainString(accepts: (v: string) => boolean, expected: string, fixFor: (t: string) => string) {
  return z.string().check((ctx) => {
    if (accepts(ctx.value)) return;
    const likely = suggestToolchain(ctx.value, DEFAULT_VERSIONS);
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: `'${ctx.value}' is not a toolchain`,
      ...help({ expected, ...(likely ? { fix: fixFor(likely) } : {}) }),
    });
  });
}

const Toolchain = toolchainString(
  (v) => TOOLCHAIN_PATTERN.test(v),
  "'gcc-N' or 'llvm-N' with the compiler's major version, e.g. gcc-15, llvm-22",
  (t) => `write '${t}'`,
);

/** A toolchain as selectors write it: a family (`llvm`, every LLVM version) or exact (`llvm-22`). */
const ToolchainSelector = toolchainString(
  (v) => v === 'gcc' || v === 'llvm' || TOOLCHAIN_PATTERN.test(v),
  "'gcc' or 'llvm' (any version) or an exact 'gcc-N' / 'llvm-N'",
  (t) => `write '${t.replace(/-\d+$/, '')}' or '${t}'`,
);

const RunnerName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, { error: 'a runner name has only letters, digits, _ . and -' });

/** Runner labels for `runs-on`: one label or a list of labels (all must match). */
const Labels = z.preprocess(
  (v) => (typeof v === 'string' ? [v] : v),
  z.array(z.string().min(1)).min(1, { error: 'give at least one runner label' }),
);

const Minutes = z.int().min(1).max(4320);

/** Which builds (and, with `test`, which tests of those builds) an entry applies to. */
const Selector = z
  .strictObject({
    arch: Arch.optional(),
    toolchain: ToolchainSelector.optional(),
    test: RunnerName.optional(),
  })
  .check((ctx) => {
    if (Object.keys(ctx.value).length > 0) return;
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: 'an empty selector matches every build',
      ...help({ expected: 'at least one of arch, toolchain, test', fix: 'add arch: and/or toolchain:' }),
    });
  });

const BuildSelector = z.strictObject({ arch: Arch.optional(), toolchain: ToolchainSelector.optional() });

const PerArch = <T extends z.ZodType>(value: T) =>
  z.strictObject({ x86_64: value.optional(), aarch64: value.optional(), s390x: value.optional() });

const RunnerList = z.array(RunnerName).min(1, { error: 'list at least one test runner' });

export const ConfigSchema = z
  .strictObject({
    arches: z
      .array(Arch)
      .min(1)
      .default([...DEFAULTS.arches]),
    toolchains: z
      .array(Toolchain)
      .min(1)
      .default([...DEFAULTS.toolchains]),
    'selftests-llvm': Toolchain.default(DEFAULTS.selftestsLlvm),
    exclude: z.array(Selector).default(DEFAULTS.exclude.map((s) => ({ ...s }))),
    include: z.array(z.strictObject({ arch: Arch, toolchain: Toolchain })).default([]),
    tests: z
      .strictObject({ default: RunnerList.default([...DEFAULTS.tests]), ...PerArch(RunnerList).shape })
      .prefault({}),
    commands: z.record(RunnerName, z.string().min(1)).default({}),
    'runs-on': PerArch(Labels).prefault({}),
    'build-runs-on': PerArch(Labels).prefault({}),
    'timeout-minutes': z
      .strictObject({
        build: Minutes.default(DEFAULTS.timeoutMinutes.build),
        test: Minutes.default(DEFAULTS.timeoutMinutes.test),
        tests: z.record(RunnerName, Minutes).default({}),
      })
      .prefault({}),
    parallel: z
      .strictObject({
        runners: z.array(z.enum(PARALLEL_RUNNERS)).default([...DEFAULTS.parallel.runners]),
        on: z.array(BuildSelector).default(DEFAULTS.parallel.on.map((s) => ({ ...s }))),
        'timeout-minutes': Minutes.default(DEFAULTS.parallel.timeoutMinutes),
        'continue-on-error': z.boolean().default(DEFAULTS.parallel.continueOnError),
      })
      .prefault({}),
    veristat: z
      .strictObject({
        on: z.array(BuildSelector).default(DEFAULTS.veristat.on.map((s) => ({ ...s }))),
        ...VeristatKeys,
      })
      .prefault({}),
    flaky: FlakyConfig,
    deployment: z
      .strictObject({
        'prod-repositories': z.array(z.string()).default([...DEFAULTS.deployment.prodRepositories]),
        allowlists: z.array(z.string().min(1)).default([...DEFAULTS.deployment.allowlists]),
        denylists: z.array(z.string().min(1)).default([...DEFAULTS.deployment.denylists]),
      })
      .prefault({}),
    forks: z
      .strictObject({
        'main-repositories': z.array(z.string()).default([...DEFAULTS.forks.mainRepositories]),
        arches: z
          .array(Arch)
          .min(1)
          .default([...DEFAULTS.forks.arches]),
        'runs-on': Labels.default([...DEFAULTS.forks.runsOn]),
      })
      .prefault({}),
    coverage: z
      .strictObject({
        on: z
          .array(BuildSelector)
          .min(1)
          .default(DEFAULTS.coverage.on.map((s) => ({ ...s }))),
        directories: z
          .array(
            z.string().regex(COVERAGE_DIRECTORY, { error: 'a source-relative directory such as kernel/bpf' }),
          )
          .min(1)
          .default([...DEFAULTS.coverage.directories]),
        'per-runner': z.boolean().default(false),
        'patch-threshold': z.number().min(0).max(100).optional(),
      })
      .optional(),
    'config-fragments': z.array(z.string().min(1)).default([]),
    'build-only-events': z.array(z.string()).default([...DEFAULTS.buildOnlyEvents]),
  })
  .check((ctx) => {
    for (const issue of semanticIssues(ctx.value)) ctx.issues.push({ ...issue, input: undefined });
  });

export type ConfigInput = z.input<typeof ConfigSchema>;
export type Config = z.output<typeof ConfigSchema>;
export type Selector = z.output<typeof Selector>;

const PLACEHOLDERS = ['{arch}', '{toolchain}', '{deployment}'];

interface SemanticIssue {
  code: 'custom';
  message: string;
  path: (string | number)[];
  params: IssueHelp;
}

/** Records one issue at a path of the config. */
type AddIssue = (path: (string | number)[], message: string, help: IssueHelp) => void;

/** Checks across keys: names that must exist elsewhere, contradictions, duplicates. */
function semanticIssues(config: Config): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const add: AddIssue = (path, message, params) => issues.push({ code: 'custom', message, path, params });
  for (const check of [
    duplicateEntries,
    selftestsLlvmIssue,
    runnerIssues,
    includeExcludeConflicts,
    pathIssues,
    selfHostedForkRunners,
    placeholderIssues,
    forkArchIssue,
  ])
    check(config, add);
  return issues;
}

function duplicateEntries(config: Config, add: AddIssue): void {
  for (const key of ['arches', 'toolchains'] as const) {
    const list: readonly string[] = config[key];
    list.forEach((v, i) => {
      if (list.indexOf(v) !== i)
        add([key, i], `'${v}' is listed twice in ${key}`, {
          related: [key, list.indexOf(v)],
          fix: 'remove one',
        });
    });
  }
}

function selftestsLlvmIssue(config: Config, add: AddIssue): void {
  if (!config['selftests-llvm'].startsWith('llvm-'))
    add(['selftests-llvm'], `selftests-llvm is '${config['selftests-llvm']}'`, {
      expected: "'llvm-N': the BPF programs of the selftests are compiled with clang",
      fix: `write 'llvm-${DEFAULT_VERSIONS.llvm}'`,
    });
}

/** Every runner named anywhere is built in or defined under `commands`, which built-ins are not. */
function runnerIssues(config: Config, add: AddIssue): void {
  const knownRunners = [...new Set([...BPF_RUNNERS, ...Object.keys(config.commands)])];
  const checkRunner = (path: (string | number)[], name: string, atKey = false) => {
    if (knownRunners.includes(name)) return;
    add(path, `unknown test runner '${name}'`, {
      atKey,
      expected: `one of ${knownRunners.join(', ')}, or a runner defined under 'commands'`,
      fix: closest(name, knownRunners)
        ? `did you mean '${closest(name, knownRunners)}'?`
        : `define it: commands: { ${name}: <command to run in the guest> }`,
    });
  };
  for (const [key, list] of Object.entries(config.tests))
    list?.forEach((name, i) => checkRunner(['tests', key, i], name));
  config.exclude.forEach((s, i) => {
    if (s.test !== undefined) checkRunner(['exclude', i, 'test'], s.test);
  });
  for (const name of Object.keys(config['timeout-minutes'].tests))
    checkRunner(['timeout-minutes', 'tests', name], name, true);
  for (const name of Object.keys(config.commands)) {
    if ((BPF_RUNNERS as readonly string[]).includes(name))
      add(['commands', name], `'${name}' is a built-in runner`, {
        atKey: true,
        fix: `give the command another name, e.g. '${name}-custom'`,
      });
  }
}

/**
 * An include that an exclude removes again says two opposite things; GitHub would silently keep
 * it, which hides the mistake.
 */
function includeExcludeConflicts(config: Config, add: AddIssue): void {
  config.include.forEach((build, i) => {
    const j = config.exclude.findIndex(
      (s) => s.test === undefined && matches(s, build.arch, build.toolchain),
    );
    if (j === -1) return;
    const s = config.exclude[j]!;
    const selector = [s.arch && `arch: ${s.arch}`, s.toolchain && `toolchain: ${s.toolchain}`]
      .filter(Boolean)
      .join(', ');
    add(
      ['include', i],
      `include adds ${build.toolchain} on ${build.arch}, which exclude {${selector}} removes`,
      {
        related: ['exclude', j],
        fix: 'remove the include, or narrow or remove the exclude',
      },
    );
  });
}

/**
 * List and fragment files are read on the runner and their lines land in artifacts: they must
 * name files of the checkout, never an absolute path or one climbing out of it.
 */
function pathIssues(config: Config, add: AddIssue): void {
  const checkPath = (where: (string | number)[], path: string) => {
    const problem = workspacePathProblem(path);
    if (problem)
      add(where, `'${path}' ${problem}`, {
        expected: 'a path relative to the repository checkout, without ..',
        fix: 'name a file of the repository, e.g. tools/testing/selftests/bpf/DENYLIST',
      });
  };
  for (const key of ['allowlists', 'denylists'] as const)
    config.deployment[key].forEach((path, i) => checkPath(['deployment', key, i], path));
  config['config-fragments'].forEach((path, i) => checkPath(['config-fragments', i], path));
  if (config.flaky.quarantine !== undefined) checkPath(['flaky', 'quarantine'], config.flaky.quarantine);
  if (config.veristat.thresholds !== undefined)
    checkPath(['veristat', 'thresholds'], config.veristat.thresholds);
}

/** Fork pull requests run on these labels: they must be GitHub's machines, never self-hosted ones. */
function selfHostedForkRunners(config: Config, add: AddIssue): void {
  config.forks['runs-on'].forEach((label, i) => {
    if (label.toLowerCase() === 'self-hosted')
      add(['forks', 'runs-on', i], "forks.runs-on names 'self-hosted'", {
        expected: "GitHub-hosted runner labels, e.g. 'ubuntu-24.04'",
        fix: 'fork pull requests run untrusted code: give them GitHub-hosted runners only',
      });
  });
}

function placeholderIssues(config: Config, add: AddIssue): void {
  for (const key of ['allowlists', 'denylists'] as const) {
    config.deployment[key].forEach((path, i) => {
      for (const m of path.matchAll(/\{[^}]*\}/g)) {
        if (!PLACEHOLDERS.includes(m[0]))
          add(['deployment', key, i], `unknown placeholder ${m[0]} in '${path}'`, {
            expected: PLACEHOLDERS.join(', '),
            ...(closest(m[0], PLACEHOLDERS) ? { fix: `did you mean ${closest(m[0], PLACEHOLDERS)}?` } : {}),
          });
      }
    });
  }
}

/** Forks build at least one arch that is built at all. */
function forkArchIssue(config: Config, add: AddIssue): void {
  const builtArches = new Set([...config.arches, ...config.include.map((b) => b.arch)]);
  // (With no arch at all, the error on `arches` says it all.)
  if (builtArches.size > 0 && !config.forks.arches.some((a) => builtArches.has(a)))
    add(
      ['forks', 'arches'],
      `forks would build nothing: none of ${config.forks.arches.join(', ')} is built`,
      {
        expected: `at least one of ${[...builtArches].join(', ')}`,
        fix: 'list an arch that is built, usually x86_64 (GitHub-hosted runners)',
      },
    );
}

/**
 * Why a configured path may not be used, or undefined: absolute, home-relative, or with a `..`
 * segment (which could climb out of the checkout whatever comes before it).
 */
export function workspacePathProblem(path: string): string | undefined {
  if (path.startsWith('/')) return 'is an absolute path';
  if (path.startsWith('~')) return 'starts with ~';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.split('/').includes('..')) return 'climbs out of the checkout with ..';
  return undefined;
}

/** Does a selector match this build (and, when it names a test, this test)? */
export function matches(
  s: { arch?: Arch | undefined; toolchain?: string | undefined },
  arch: Arch,
  toolchain: string,
): boolean {
  if (s.arch !== undefined && s.arch !== arch) return false;
  if (s.toolchain === undefined) return true;
  return s.toolchain === toolchain || toolchain.startsWith(`${s.toolchain}-`);
}
