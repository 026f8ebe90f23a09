// The host's side of retrying failed tests in the booted VM. When a runner ends (its `end` or
// `retry-end` marker), the host parses that runner's logs from the output share with the real
// parser, applies the retry policy and circuit breaker of @bpf-ci/flaky, and writes the next
// attempt's plan for the waiting guest (retry-guest.ts). Keeping the policy here, in TypeScript,
// means one place decides, and the guest only runs argument lists. At the end every attempt is
// merged into the runner's result.
import { existsSync, renameSync } from 'node:fs';
import { INPUT_LIMITS, readInputFileSync, writeOutputFile } from '@bpf-ci/input-file';
import { join } from 'node:path';
import { decideRetry, mergeAttempts, retryCommands, type AttemptResult, type ViaParent } from '@bpf-ci/flaky';
import type { Logger } from '@bpf-ci/logger';
import { newBinaryResult, type BinaryResult, type Run } from '@bpf-ci/model';
import { parseConsole, parseFile, UnknownFormatError } from '@bpf-ci/parsers';
import type { MarkerEvent, RunnerProgress } from './console.ts';
import { retriable } from './guest-init.ts';
import { readExitCode } from './results.ts';
import { attemptFiles, runnerFiles, type RetrySettings, type RunPlan, type RunnerPlan } from './plan.ts';

interface RunnerRetries {
  attempts: AttemptResult[];
  viaParent: ViaParent[];
  /** The circuit breaker's or the budget's reason, when it stopped the retries. */
  notRetried?: string;
  /** What the last planned attempt re-runs. */
  lastSelectors?: string[];
}

async function parseLog(path: string, runner: RunnerPlan): Promise<BinaryResult> {
  try {
    return (await parseFile(path, { binary: runner.kind })).results[0] ?? newBinaryResult(runner.kind);
  } catch (err) {
    if (!(err instanceof UnknownFormatError)) throw err;
    return newBinaryResult(runner.kind, { complete: false, incompleteReasons: ['no-summary'] });
  }
}

export class RetryCoordinator {
  private readonly plan: RunPlan;
  private readonly settings: RetrySettings | undefined;
  private readonly outputDir: string;
  private readonly logger: Logger;
  private readonly state = new Map<string, RunnerRetries>();
  private readonly pending: Promise<void>[] = [];
  private consoleText = '';

  constructor(plan: RunPlan, outputDir: string, logger: Logger) {
    this.plan = plan;
    this.settings = plan.retry && plan.retry.attempts > 0 ? plan.retry : undefined;
    this.outputDir = outputDir;
    this.logger = logger;
  }

  /** The console as it streams: the circuit breaker looks for kernel splats in it. */
  feedConsole(text: string): void {
    if (this.settings) this.consoleText += text;
  }

  onMarker(m: MarkerEvent, progress: readonly RunnerProgress[]): void {
    if (!this.settings) return;
    if (m.kind === 'retry-timeout') {
      this.logger.warning(
        `${m.runner}: the guest stopped waiting for the retry plan of attempt ${m.attempt}`,
      );
      return;
    }
    if (m.kind === 'retry-begin') {
      this.logger.info(`Retrying in ${m.runner} (attempt ${m.attempt})`);
      return;
    }
    if (m.kind !== 'end' && m.kind !== 'retry-end') return;
    const runner = this.plan.runners.find((r) => r.name === m.runner);
    const started = progress.findLast((p) => p.runner === m.runner);
    if (!runner || !started || !retriable(runner)) return;
    const next = m.kind === 'end' ? 2 : m.attempt + 1;
    if (next > this.settings.attempts + 1) return; // the guest does not wait for more
    this.pending.push(this.decide(runner, next, started));
  }

  private async attemptResult(runner: RunnerPlan, attempt: number): Promise<AttemptResult | undefined> {
    const files = attemptFiles(runner.name, attempt);
    const planFile = join(this.outputDir, files.plan);
    if (!existsSync(planFile)) return undefined;
    const [verb, countText] = readInputFileSync(planFile, {
      maxBytes: INPUT_LIMITS.small,
      what: 'retry plan',
    }).split(/\s+/);
    if (verb !== 'run') return undefined;
    const count = Number(countText);
    const commands: string[][] = [];
    const logs: string[] = [];
    let result: BinaryResult | undefined;
    for (let j = 1; j <= count; j++) {
      commands.push(
        readInputFileSync(join(this.outputDir, files.argv(j)), {
          maxBytes: INPUT_LIMITS.config,
          what: 'retry argv',
        })
          .split('\n')
          .slice(0, -1),
      );
      const log = files.log(j);
      if (!existsSync(join(this.outputDir, log))) continue;
      logs.push(log);
      const part = await parseLog(join(this.outputDir, log), runner);
      // test_verifier runs once per number: one result with every invocation's tests.
      result = result
        ? { ...result, tests: [...result.tests, ...part.tests], complete: result.complete && part.complete }
        : part;
    }
    const exitCode = readExitCode(join(this.outputDir, files.exit));
    return {
      attempt: {
        attempt,
        selectors: [],
        commands: commands.map((c) => c.join(' ')),
        logs,
        exitCode: exitCode ?? null,
      },
      result: result ?? newBinaryResult(runner.kind, { complete: false, incompleteReasons: ['not-run'] }),
    };
  }

  private async decide(runner: RunnerPlan, attempt: number, progress: RunnerProgress): Promise<void> {
    const settings = this.settings;
    if (!settings) return;
    const files = attemptFiles(runner.name, attempt);
    let plan = 'stop\n';
    try {
      const state = this.state.get(runner.name) ?? { attempts: [], viaParent: [] };
      this.state.set(runner.name, state);
      if (attempt > 2) {
        const previous = await this.attemptResult(runner, attempt - 1);
        if (previous)
          state.attempts.push({
            ...previous,
            attempt: { ...previous.attempt, selectors: state.lastSelectors ?? [] },
          });
      }
      const original = await parseLog(join(this.outputDir, runnerFiles(runner.name).log), runner);
      const merged = mergeAttempts(original, state.attempts, {
        maxRetries: settings.attempts,
        viaParent: [],
      });
      merged.events = parseConsole(this.consoleText).filter(
        (e) => e.inputLine !== undefined && e.inputLine >= progress.beginLine,
      );
      const remainingSec = runner.timeoutSec - (Date.now() - progress.startedAt) / 1000;
      // The plan's retry settings are the policy plus how long the guest waits for a decision.
      const decision = decideRetry(merged, { attempt, remainingSec }, settings);
      if (!decision.retry) {
        if (decision.reason !== 'nothing failed' && !decision.reason.startsWith('not retried again')) {
          state.notRetried = decision.reason;
          this.logger.warning(`${runner.name}: ${decision.reason}`);
        }
        return;
      }
      const commands = retryCommands(runner.kind, runner.argv, decision.selectors);
      if (commands.some((c) => c.some((arg) => arg.includes('\n')))) {
        state.notRetried = 'not retried: a test name holds a newline, which cannot be passed to the guest';
        return;
      }
      commands.forEach((argv, i) => {
        // The share is the guest's: whatever it left at this name (a symlink, a FIFO) is replaced.
        writeOutputFile(join(this.outputDir, files.argv(i + 1)), argv.map((a) => `${a}\n`).join(''));
      });
      state.viaParent = decision.viaParent;
      state.lastSelectors = decision.selectors;
      plan = `run ${commands.length} ${Math.max(1, Math.floor(remainingSec))}\n`;
      this.logger.info(
        `${runner.name}: retrying ${decision.selectors.length} failed test(s), attempt ${attempt} of up to ${settings.attempts + 1}:`,
      );
      this.logger.untrusted(decision.selectors.join('\n'));
    } catch (err) {
      this.logger.error(
        `${runner.name}: could not decide the retry: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      // The plan file last, renamed into place: the guest never reads half of it.
      const tmp = join(this.outputDir, `${files.plan}.tmp`);
      writeOutputFile(tmp, plan);
      renameSync(tmp, join(this.outputDir, files.plan));
    }
  }

  /** Every attempt merged into the runners' results (same order as the plan's runners). */
  async finish(run: Run): Promise<Run> {
    await Promise.all(this.pending);
    const settings = this.settings;
    if (!settings) return run;
    const binaries = await Promise.all(
      run.binaries.map(async (result, i) => {
        const runner = this.plan.runners[i];
        const state = runner ? this.state.get(runner.name) : undefined;
        if (!runner || !state) return result;
        // The last attempt has not been read yet (nothing was decided after it).
        const lastNumber = 2 + state.attempts.length;
        const last = await this.attemptResult(runner, lastNumber);
        if (last)
          state.attempts.push({
            ...last,
            attempt: { ...last.attempt, selectors: state.lastSelectors ?? [] },
          });
        const merged = mergeAttempts(result, state.attempts, {
          maxRetries: settings.attempts,
          viaParent: state.viaParent,
          ...(state.notRetried ? { notRetried: state.notRetried } : {}),
        });
        return merged;
      }),
    );
    return { ...run, binaries };
  }
}
