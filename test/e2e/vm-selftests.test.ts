// The real thing: Debian's 6.1 kernel under TCG running the real test_verifier, test_progs (an
// allowlist with passing and failing tests) and test_maps, in one boot. What we report must equal
// what each binary printed in its own Summary line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import { parseRun, walkTests } from '@bpf-ci/model';
import { writeSummary } from '@bpf-ci/report';
import { buildPlan, runVmTests } from '@bpf-ci/vm';
import { debianVm, defaultSetup, ownSummary, scratch, timed } from './helpers.ts';

/** Pass on Debian's 6.1 kernel under TCG (checked against test_progs' own output). */
const PASSING = ['align', 'global_data', 'spinlock'];
/** Fail there: bpf_modify_return_test() is not modifiable in 6.1, and Debian does not enable the BPF LSM. */
const FAILING = ['bpf_cookie', 'test_lsm'];

describe('selftests in the Debian 6.1 kernel under TCG', () => {
  it(
    'reports test_verifier, test_progs and test_maps exactly as their Summary lines say',
    async () => {
      const setup = await defaultSetup();
      const logger = new MemoryLogger();
      const plan = buildPlan(
        {
          arch: 'x86_64',
          selftestsDir: setup.dir,
          runners: ['test_verifier', 'test_progs', 'test_maps'],
          allow: [...PASSING, ...FAILING],
          // test_maps alone is ~6 min on 2 idle cores; a loaded machine needs several times that.
          timeoutSec: 45 * 60,
        },
        logger,
      );
      const out = scratch('selftests');
      const outcome = await timed('test_verifier + test_progs allowlist + test_maps', () =>
        runVmTests(debianVm(setup, plan, out), logger),
      );
      expect(outcome.fault).toBeUndefined();
      const run = parseRun(JSON.parse(readFileSync(outcome.resultsJson, 'utf8')));
      expect(run.binaries.map((b) => b.binary)).toEqual(['test_verifier', 'test_progs', 'test_maps']);

      const [verifier, progs, maps] = run.binaries;
      for (const b of [verifier, progs]) {
        const own = ownSummary(join(out, `${b?.binary}.log`));
        expect(own, `${b?.binary} printed a Summary line`).toBeDefined();
        expect(b?.printedCounts).toEqual(own);
        expect(b?.parsedCounts).toEqual(own);
        expect(b?.complete).toBe(true);
      }
      expect(verifier?.parsedCounts.passed).toBeGreaterThan(1000);

      const status = new Map(
        [...walkTests(progs?.tests ?? [])].filter((t) => !t.parent).map((t) => [t.key, t.test.status]),
      );
      for (const t of PASSING) expect(status.get(t), t).toBe('pass');
      for (const t of FAILING) expect(status.get(t), t).toBe('fail');
      expect(progs?.exitCode).toBe(1);

      const mapsLog = readFileSync(join(out, 'test_maps.log'), 'utf8');
      const mapsSummary = /^test_maps: OK, (\d+) SKIPPED$/m.exec(mapsLog);
      expect(mapsSummary, 'test_maps printed its closing line').not.toBeNull();
      expect(maps?.complete).toBe(true);
      expect(maps?.exitCode).toBe(0);
      // test_maps prints only its skip count: the parsed skips must equal it, and no mismatch is reported.
      expect(maps?.summaryLine).toBe(mapsSummary?.[0]);
      expect(maps?.parsedCounts.skipped).toBe(Number(mapsSummary?.[1]));
      expect(maps?.countsMismatch).toBeUndefined();

      expect(outcome.conclusion).toBe('failure');
      const rows = logger.messages('info');
      expect(rows.find((r) => r.startsWith('PASS test_verifier:'))).toBeDefined();
      expect(rows.find((r) => r.startsWith('FAIL test_progs:'))).toBeDefined();
      const summary = readFileSync(writeSummary(run, out), 'utf8');
      for (const t of FAILING) expect(summary).toContain(t);
    },
    60 * 60_000,
  );
});
