// A row of the top failures question. Its own module, importing nothing, so the dashboard's
// browser script types its failures table against this very shape (`@bpf-ci/stats/top-failure`)
// without compiling the store and its Node.js modules for the browser.

export interface TopFailureRow {
  /** "#24/14" as last printed; '' when the tool printed none. */
  number: string;
  binary: string;
  test: string;
  arch: string;
  toolchain: string;
  /** Runs in which the test failed (fail or error, any attempt). */
  hits: number;
  /** Runs with test results in this arch × toolchain. */
  runs: number;
  pctOfRuns: number;
}
