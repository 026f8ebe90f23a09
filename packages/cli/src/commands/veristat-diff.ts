// `bpf-ci veristat-diff BASE NEW`: the same comparison and report as the veristat-diff action.
import { jsonWithoutCommands } from '@bpf-ci/protocol';
import { veristatDiffFiles } from '@bpf-ci/veristat';
import { UsageError, optionsCommand } from '../command.ts';

export const veristatDiff = optionsCommand({
  name: 'veristat-diff',
  summary: 'compare two veristat runs (CSV or table) and report verifier regressions',
  usage: [
    'usage: bpf-ci veristat-diff BASE NEW [--config FILE] [--verifier-log FILE]... [--json]',
    '',
    '  BASE, NEW          veristat output (-o csv or the table) of the base and the new run;',
    '                     a BASE that does not exist means "no baseline" (reported, not a failure)',
    '  --config FILE      thresholds (YAML or JSON), see packages/veristat/README.md',
    '  --verifier-log F   veristat -v output of the new run: new failures show the log tail',
    '  --json             print the diff as JSON instead of Markdown',
    '',
    'Exit code 1 when a configured fail threshold is crossed (by default: a new verification failure).',
  ].join('\n'),
  options: {
    config: { type: 'string' },
    'verifier-log': { type: 'string', multiple: true },
    json: { type: 'boolean', default: false },
  },
  positionals: true,
  async run(parsed, io) {
    const [base, next, ...extra] = parsed.positionals;
    if (base === undefined || next === undefined || extra.length > 0) {
      throw new UsageError('expected exactly two files: BASE NEW');
    }
    const result = await veristatDiffFiles(
      {
        base,
        next,
        ...(parsed.values.config ? { config: parsed.values.config } : {}),
        ...(parsed.values['verifier-log'] ? { verifierLogs: parsed.values['verifier-log'] } : {}),
      },
      io.logger,
    );
    if (parsed.values.json) io.stdout.write(`${jsonWithoutCommands(JSON.stringify(result.diff, null, 2))}\n`);
    else io.stdout.write(result.markdown);
    for (const a of result.annotations) {
      if (a.level === 'error') io.logger.error(`${a.title}\n${a.message}`);
      else io.logger.warning(`${a.title}\n${a.message}`);
    }
    for (const reason of result.diff.failReasons) io.logger.error(`veristat: ${reason}`);
    return result.diff.conclusion === 'failure' ? 1 : 0;
  },
});
