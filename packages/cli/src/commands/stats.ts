import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import {
  Store,
  durations,
  exportJobs,
  firstBad,
  flaky,
  infra,
  onBase,
  openDatabase,
  rates,
  renderDurations,
  renderFirstBad,
  renderFlaky,
  renderInfra,
  renderOnBase,
  renderRates,
  renderTopFailures,
  sync,
  toKcidb,
  toNipa,
  topFailures,
  type Filters,
} from '@bpf-ci/stats';
import { numberOption, UsageError, type Command, type CommandIo } from '../command.ts';
import { STATS_DASHBOARD_USAGE, statsDashboard } from './stats-dashboard.ts';

const DEFAULT_DB = 'bpf-ci-stats.sqlite';
const QUESTIONS = ['first-bad', 'durations', 'rates', 'top-failures', 'flaky', 'infra', 'on-base'] as const;

const usage = `usage: bpf-ci stats sync --repository OWNER/NAME [--workflow FILE] [--since DATE] [--lookback-days N] [--db DB]
       bpf-ci stats query QUESTION [filters] [--json] [--db DB]
       bpf-ci stats export --format nipa|kcidb [filters] [--output FILE] [--db DB]
       ${STATS_DASHBOARD_USAGE}

BPF CI's history from GitHub's REST API in a database, and the questions maintainers ask of it.
  --db DB              a SQLite file (default ${DEFAULT_DB}, or $BPF_CI_STATS_DB) or a postgres:// URL
sync (GITHUB_TOKEN and GITHUB_API_URL are read from the environment):
  --repository R       the repository whose workflow runs to read
  --workflow FILE      only this workflow's runs (file name or id)
  --since DATE         first sync: runs created since DATE (default 90 days ago; test outcomes only
                       as far back as results artifacts are kept, 14 days)
  --lookback-days N    each later sync looks N days behind its cursor again for re-runs (default 3)
query QUESTION, one of:
  first-bad --test NAME   per variant, the last good and first bad base-branch run and commit
  durations               p50/p90 build and test job durations per week × arch × toolchain × runner
  rates                   success / failure / cancelled rates of jobs and of whole runs
  top-failures [--limit N]  the tests failing in most runs per arch × toolchain
  flaky [--last N] [--min-sample N] [--limit N]  flips and flip rate per test × variant
  infra                   infrastructure failures (VM died, runner lost, timeout, cancelled) vs tests
  on-base --test NAME     whether a test also fails on the base branch
filters: --arch A --toolchain T --runner R --branch BASE --since DATE
  --json               machine-readable output with stable field names`;

const FILTER_OPTIONS = {
  db: { type: 'string' },
  arch: { type: 'string' },
  toolchain: { type: 'string' },
  runner: { type: 'string' },
  branch: { type: 'string' },
  since: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

function parse<T extends ParseArgsOptionsConfig>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function epochOf(date: string | undefined, flag: string): number | undefined {
  if (date === undefined) return undefined;
  const t = Date.parse(date);
  if (Number.isNaN(t))
    throw new UsageError(`${flag} must be a date like 2026-01-31, got ${JSON.stringify(date)}`);
  return Math.floor(t / 1000);
}

function count(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  return numberOption(flag, value, 1);
}

function filtersOf(values: Record<string, unknown>): Filters {
  const f: Filters = {};
  for (const k of ['arch', 'toolchain', 'runner', 'branch'] as const)
    if (typeof values[k] === 'string') f[k] = values[k];
  const since = epochOf(values['since'] as string | undefined, '--since');
  if (since !== undefined) f.since = since;
  return f;
}

async function withStore<T>(db: unknown, io: CommandIo, body: (store: Store) => Promise<T>): Promise<T> {
  const location = typeof db === 'string' ? db : (io.env['BPF_CI_STATS_DB'] ?? DEFAULT_DB);
  const store = await Store.open(
    await openDatabase(/^postgres(ql)?:\/\//.test(location) ? location : resolve(io.cwd, location)),
    { logger: io.logger },
  );
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

async function syncCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parse(args, {
    db: { type: 'string' },
    repository: { type: 'string' },
    workflow: { type: 'string' },
    since: { type: 'string' },
    'lookback-days': { type: 'string' },
  });
  if (!values.repository) throw new UsageError('stats sync needs --repository OWNER/NAME');
  const since = epochOf(values.since, '--since');
  const lookback =
    values['lookback-days'] === undefined ? 3 : count(values['lookback-days'], '--lookback-days', 3);
  return withStore(values.db, io, async (store) => {
    await sync({
      repository: values.repository!,
      env: io.env,
      logger: io.logger,
      store,
      lookbackDays: lookback,
      ...(values.workflow ? { workflow: values.workflow } : {}),
      ...(since !== undefined ? { since: new Date(since * 1000) } : {}),
    });
    return 0;
  });
}

async function queryCommand(args: string[], io: CommandIo): Promise<number> {
  const [question, ...rest] = args;
  // An option before the question gets util.parseArgs' own message, as every command's does.
  if (question?.startsWith('-')) parse([question], {});
  if (!QUESTIONS.includes(question as (typeof QUESTIONS)[number])) {
    throw new UsageError(
      `stats query needs a question: ${QUESTIONS.join(', ')}${question ? ` (got ${JSON.stringify(question)})` : ''}`,
    );
  }
  const { values } = parse(rest, {
    ...FILTER_OPTIONS,
    test: { type: 'string' },
    limit: { type: 'string' },
    last: { type: 'string' },
    'min-sample': { type: 'string' },
  });
  const f = filtersOf(values);
  // Read before the database is opened, so a mistyped number creates nothing.
  const topFailuresLimit = count(values.limit, '--limit', 20);
  const flakyOptions = {
    last: count(values.last, '--last', 30),
    minSample: count(values['min-sample'], '--min-sample', 10),
    limit: count(values.limit, '--limit', 50),
  };
  const needTest = (): string => {
    if (!values.test) throw new UsageError(`stats query ${question} needs --test NAME`);
    return values.test;
  };
  const out = (json: unknown, text: string): void => {
    io.stdout.write(values.json ? `${JSON.stringify(json, null, 2)}\n` : text);
  };
  return withStore(values.db, io, async (store) => {
    const db = store.db;
    switch (question) {
      case 'first-bad': {
        const test = needTest();
        const rows = await firstBad(db, f, test);
        out({ test, variants: rows }, renderFirstBad(test, rows));
        break;
      }
      case 'on-base': {
        const test = needTest();
        const rows = await onBase(db, f, test);
        out({ test, variants: rows }, renderOnBase(test, rows));
        break;
      }
      case 'durations': {
        const rows = await durations(db, f);
        out({ durations: rows }, renderDurations(rows));
        break;
      }
      case 'rates': {
        const answer = await rates(db, f);
        out(answer, renderRates(answer));
        break;
      }
      case 'top-failures': {
        const rows = await topFailures(db, f, topFailuresLimit);
        out({ failures: rows }, renderTopFailures(rows));
        break;
      }
      case 'flaky': {
        const rows = await flaky(db, f, flakyOptions);
        out({ flaky: rows }, renderFlaky(rows));
        break;
      }
      case 'infra': {
        const rows = await infra(db, f);
        out({ infra: rows }, renderInfra(rows));
        break;
      }
    }
    return 0;
  });
}

async function exportCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parse(args, {
    ...FILTER_OPTIONS,
    format: { type: 'string' },
    output: { type: 'string' },
  });
  if (values.format !== 'nipa' && values.format !== 'kcidb')
    throw new UsageError('stats export needs --format nipa or --format kcidb');
  const f = filtersOf(values);
  return withStore(values.db, io, async (store) => {
    const jobs = [];
    for await (const job of exportJobs(store.db, f)) jobs.push(job);
    const data = values.format === 'nipa' ? jobs.map(toNipa) : toKcidb(jobs);
    const text = `${JSON.stringify(data, null, 2)}\n`;
    if (values.output) {
      await writeFile(resolve(io.cwd, values.output), text);
      io.logger.info(`wrote ${jobs.length} jobs' test results to ${values.output}`);
    } else {
      io.stdout.write(text);
    }
    return 0;
  });
}

export const statsCommand: Command = {
  name: 'stats',
  summary: "collect BPF CI's history from GitHub and answer questions about it",
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'sync') return syncCommand(rest, io);
    if (sub === 'query') return queryCommand(rest, io);
    if (sub === 'export') return exportCommand(rest, io);
    if (sub === 'dashboard') return statsDashboard(rest, io, DEFAULT_DB);
    // An option before the subcommand gets util.parseArgs' own message, as every command's does.
    if (sub?.startsWith('-')) parse([sub], {});
    throw new UsageError(
      `stats needs sync, query, export or dashboard${sub ? ` (got ${JSON.stringify(sub)})` : ''}`,
    );
  },
};
