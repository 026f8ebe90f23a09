// `bpf-ci quarantine check FILE`: validate a quarantine file and list what it would do, on its own
// or against a results.json (which failures become warnings, which entries match nothing).
import { readFile } from 'node:fs/promises';
import {
  applyQuarantine,
  isExpired,
  parseQuarantine,
  QuarantineFileError,
  variantLabel,
} from '@bpf-ci/flaky';
import { parseRun, walkTests } from '@bpf-ci/model';
import { UsageError, optionsCommand } from '../command.ts';

const usage = `usage: bpf-ci quarantine check FILE [--results results.json] [--today YYYY-MM-DD]

Validate a quarantine file (default location: .github/bpf-ci-quarantine.yml) and list what each
entry does: active until its expiry, expired (it no longer quarantines anything), or limited to
some variants (arch, toolchain, runner, accelerator).
  --results FILE   a results.json: also list the failures that would become warnings, the entries
                   that match no test of that run, and the failures never quarantined (splat, crash)
  --today DAY      the day to judge expiry by (default: today, UTC)

Exit code 1 when the file is malformed (each problem with its line, column and fix), else 0.`;

export const quarantineCommand = optionsCommand({
  name: 'quarantine',
  summary: 'check a quarantine file (tests that still run but do not fail the job) and list what it does',
  usage,
  options: { results: { type: 'string' }, today: { type: 'string' } },
  positionals: true,
  async run(parsed, io) {
    const [verb, file, ...extra] = parsed.positionals;
    if (verb !== 'check' || file === undefined || extra.length > 0) {
      throw new UsageError('expected: quarantine check FILE');
    }
    const today = parsed.values.today ?? new Date().toISOString().slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new UsageError(`--today ${today}: write YYYY-MM-DD`);
    let quarantine;
    try {
      quarantine = parseQuarantine(await readFile(file, 'utf8'), file);
    } catch (err) {
      if (!(err instanceof QuarantineFileError)) throw err;
      for (const issue of err.issues) {
        io.logger.error(`${issue.file}:${issue.line}:${issue.column}: ${issue.message}\n  fix: ${issue.fix}`);
      }
      return 1;
    }
    const out: string[] = [`${file}: ${quarantine.quarantine.length} entries (judged on ${today})`];
    for (const e of quarantine.quarantine) {
      const scope = e.variants
        ? ` on ${e.variants.map((v) => variantLabel(v) || 'any variant').join(' | ')}`
        : '';
      if (isExpired(e, today)) {
        out.push(
          `EXPIRED ${e.test}${scope}: expired on ${e.expires}, no longer quarantined (owner ${e.owner}): fix the test or renew the entry`,
        );
        io.logger.warning(`quarantine entry '${e.test}' expired on ${e.expires} (owner ${e.owner})`);
      } else {
        out.push(
          `ACTIVE  ${e.test}${scope}: failures are warnings until ${e.expires} (owner ${e.owner}; ${e.link})`,
        );
      }
    }
    if (parsed.values.results) {
      const run = parseRun(JSON.parse(await readFile(parsed.values.results, 'utf8')));
      const { run: after, report } = applyQuarantine(run, quarantine, today, file);
      out.push('', `Against ${parsed.values.results}:`);
      for (const b of after.binaries) {
        for (const { key, test } of walkTests(b.tests)) {
          if (test.quarantined)
            out.push(
              `  warning instead of failure: ${b.variant ?? b.binary} ${key} (entry ${test.quarantined.selector})`,
            );
        }
      }
      for (const r of report.refused) out.push(`  NOT quarantined: ${r.key} (entry ${r.selector}): ${r.why}`);
      for (const u of report.unmatched) {
        out.push(`  UNMATCHED ${u}: no test of this run matches it`);
        io.logger.warning(`quarantine entry '${u}' matches no test of ${parsed.values.results}`);
      }
    }
    io.stdout.write(`${out.join('\n')}\n`);
    return 0;
  },
});
