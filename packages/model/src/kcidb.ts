import type { TestStatus } from './model.ts';

/** KCIDB's test statuses (kcidb-io schema v4+). */
export type KcidbStatus = 'PASS' | 'FAIL' | 'ERROR' | 'MISS' | 'SKIP' | 'DONE';

const TO_KCIDB: Record<TestStatus, KcidbStatus> = {
  pass: 'PASS',
  fail: 'FAIL',
  error: 'ERROR',
  miss: 'MISS',
  skip: 'SKIP',
  done: 'DONE',
};

const FROM_KCIDB = Object.fromEntries(Object.entries(TO_KCIDB).map(([k, v]) => [v, k])) as Record<
  KcidbStatus,
  TestStatus
>;

export function toKcidbStatus(status: TestStatus): KcidbStatus {
  return TO_KCIDB[status];
}

export function fromKcidbStatus(status: KcidbStatus): TestStatus {
  return FROM_KCIDB[status];
}
