/** One measured figure. Ratios against a baseline measured in the same run are the figures we trust. */
export interface BenchRow {
  name: string;
  value: number | string;
  unit: string;
  note?: string;
}

/** Run `fn` `iterations` times after one warm-up, returning the median wall time in ms. */
export async function medianMs(fn: () => unknown, iterations = 5): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}
