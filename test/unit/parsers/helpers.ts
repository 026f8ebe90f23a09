import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BinaryResult, TestCase } from '@bpf-ci/model';

export const SAMPLES = join(import.meta.dirname, '..', '..', 'fixtures', 'samples');

export function sample(name: string): string {
  return join(SAMPLES, name);
}

export function sampleText(name: string): string {
  return readFileSync(sample(name), 'utf8');
}

export function only<T>(items: readonly T[]): T {
  if (items.length !== 1) throw new Error(`expected exactly one item, got ${items.length}`);
  return items[0] as T;
}

export function testNamed(result: BinaryResult, name: string): TestCase {
  const t = result.tests.find((x) => x.name === name);
  if (!t) throw new Error(`no test ${name} in ${result.tests.map((x) => x.name).join(', ')}`);
  return t;
}

export function subNamed(test: TestCase, name: string): TestCase {
  const t = test.subtests.find((x) => x.name === name);
  if (!t) throw new Error(`no subtest ${name} in ${test.name}`);
  return t;
}
