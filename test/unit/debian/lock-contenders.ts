// One contender for test/unit/debian/lock.test.ts, run as its own process: takes the lock ROUNDS
// times and records entering and leaving the critical section in a shared log.
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { withLock } from '@bpf-ci/debian';

const [lockPath, logPath, rounds] = process.argv.slice(2);
for (let i = 0; i < Number(rounds); i++) {
  await withLock(lockPath!, async () => {
    appendFileSync(logPath!, `enter ${process.pid}\n`);
    await sleep(5 + Math.random() * 20);
    appendFileSync(logPath!, `leave ${process.pid}\n`);
  });
}
