// `bpf-ci stats dashboard`: the history store as a static site (overview, top failures, per-test
// pages, flaky, infra) in one folder that works from disk and from GitHub Pages.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { collectDashboard, writeSite } from '@bpf-ci/dashboard';
import { parseQuarantine, QuarantineFileError, type QuarantineFile } from '@bpf-ci/flaky';
import { openDatabase, Store } from '@bpf-ci/stats';
import { numberOption, UsageError, type CommandIo } from '../command.ts';

export const STATS_DASHBOARD_USAGE = `bpf-ci stats dashboard --out DIR [--db DB] [--quarantine FILE] [--last N]
  --out DIR            the site's folder (index.html and everything it loads; written over)
  --quarantine FILE    show each flaky test's quarantine status (.github/bpf-ci-quarantine.yml)
  --last N             cells per variant on a test page (default 30)`;

export async function statsDashboard(args: string[], io: CommandIo, defaultDb: string): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      db: { type: 'string' },
      out: { type: 'string' },
      quarantine: { type: 'string' },
      last: { type: 'string' },
    },
  });
  if (!values.out) throw new UsageError('stats dashboard needs --out DIR');
  const last = values.last === undefined ? 30 : numberOption('--last', values.last, 1);
  let quarantine: QuarantineFile | undefined;
  if (values.quarantine) {
    try {
      quarantine = parseQuarantine(
        await readFile(resolve(io.cwd, values.quarantine), 'utf8'),
        values.quarantine,
      );
    } catch (err) {
      if (!(err instanceof QuarantineFileError)) throw err;
      for (const issue of err.issues)
        io.logger.error(`${issue.file}:${issue.line}:${issue.column}: ${issue.message}\n  fix: ${issue.fix}`);
      return 1;
    }
  }
  const location = values.db ?? io.env['BPF_CI_STATS_DB'] ?? defaultDb;
  const store = await Store.open(
    await openDatabase(/^postgres(ql)?:\/\//.test(location) ? location : resolve(io.cwd, location)),
  );
  try {
    const data = await collectDashboard(store.db, {
      logger: io.logger,
      lastRuns: last,
      ...(quarantine ? { quarantine } : {}),
    });
    const out = resolve(io.cwd, values.out);
    await writeSite(data, out, io.logger);
    io.stdout.write(`${out}/index.html\n`);
    return 0;
  } finally {
    await store.close();
  }
}
