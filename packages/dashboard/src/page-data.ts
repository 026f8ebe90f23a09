// What the site's data scripts hand the browser script (client/app.ts): the one definition both
// sides compile against. It imports only types of leaf modules, so the browser build does not
// compile the store.
import type { TopFailureRow } from '@bpf-ci/stats/top-failure';

/** Columns for a uPlot chart: x (epoch seconds of each week) and one array per series. */
export interface Chart {
  id: string;
  title: string;
  /** What the y axis counts, e.g. "% of jobs" or "minutes". */
  unit: string;
  x: number[];
  series: { label: string; values: (number | null)[] }[];
}

export interface FailureEntry extends TopFailureRow {
  page: string;
}

/** Top failures per window (days; 0 is all history) × runner ('' is every runner). */
export interface FailureTable {
  window: number;
  runner: string;
  rows: FailureEntry[];
}

/** The value a data script assigns to the page's global: the charts and tables of one page. */
export interface PageData {
  charts?: Chart[];
  failures?: FailureTable[];
}
