// A set-up killed midway (SIGKILL: no clean-up code runs) leaves its temporary folder and lock;
// the next run says so, removes the folder and rebuilds. A folder a live process is filling is
// never touched.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDir, sayInterrupted, temporaryFolders } from '../../../packages/debian/src/atomic.ts';
import { removeStaleTemporaries } from '../../../packages/host/src/index.ts';
import { MemoryLogger } from '../../../packages/logger/src/index.ts';

const ATOMIC = join(import.meta.dirname, '..', '..', '..', 'packages', 'debian', 'src', 'atomic.ts');

/** A build in another process that writes part of its output, says so, then works forever. */
function startBuild(target: string): { child: ChildProcess; filling: Promise<void> } {
  const script = `
    import { writeFileSync } from 'node:fs';
    import { join } from 'node:path';
    import { ensureDir } from ${JSON.stringify(ATOMIC)};
    await ensureDir(process.argv[1], async (tmp) => {
      writeFileSync(join(tmp, 'test_progs.o'), 'half of a build');
      process.stdout.write('filling\\n');
      await new Promise(() => setInterval(() => {}, 1000));
    });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, target], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const filling = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('filling') && resolve());
    child.on('exit', (code) => reject(new Error(`the build exited (${code}) before filling`)));
  });
  return { child, filling };
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('an interrupted set-up', () => {
  it('a build killed midway leaves a cache the next run rebuilds, saying so', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bpf-ci-interrupted-'));
    const target = join(root, 'selftests');
    const { child, filling } = startBuild(target);
    await filling;
    const [live] = await temporaryFolders(root);
    expect(live).toMatchObject({ finalDir: target, pid: child.pid, live: true });

    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(existsSync(target)).toBe(false);
    const [stale] = await temporaryFolders(root);
    expect(stale).toMatchObject({ path: live?.path, live: false });

    const logger = new MemoryLogger();
    let fills = 0;
    const made = await ensureDir(
      target,
      (tmp) => {
        fills++;
        writeFileSync(join(tmp, 'test_progs'), 'complete');
        return Promise.resolve();
      },
      undefined,
      sayInterrupted(logger, 'the selftests'),
    );
    expect(made).toBe(true);
    expect(fills).toBe(1);
    expect(logger.messages('info')).toEqual([
      `An earlier set-up was interrupted; rebuilding the selftests (removing ${live?.path})`,
    ]);
    expect(readdirSync(root)).toEqual(['selftests']);
    expect(readFileSync(join(target, 'test_progs'), 'utf8')).toBe('complete');
  });

  it('the sweep removes stale temporary folders and leaves the one a live process fills', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bpf-ci-sweep-'));
    const kind = join(root, 'debian-kernel');
    const killed = startBuild(join(kind, 'old-entry'));
    await killed.filling;
    killed.child.kill('SIGKILL');
    await once(killed.child, 'exit');
    const running = startBuild(join(kind, 'new-entry'));
    await running.filling;

    const logger = new MemoryLogger();
    const removed = await removeStaleTemporaries(root, logger);
    expect(removed.map((t) => t.finalDir)).toEqual([join(kind, 'old-entry')]);
    expect(logger.messages('info')).toEqual([
      `An earlier set-up was interrupted (process ${killed.child.pid}); removing its temporary folder ${removed[0]?.path}`,
    ]);
    const left = await temporaryFolders(kind);
    expect(left).toEqual([expect.objectContaining({ finalDir: join(kind, 'new-entry'), live: true })]);
  });
});
