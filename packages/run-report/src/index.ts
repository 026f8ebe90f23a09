// @bpf-ci/run-report: one report for a whole BPF CI run (every job's results.json): the run
// summary for maintainers, the author report (text and Markdown), and its deliveries (PR comment,
// mail, Patchwork checks). Rendering is pure; delivery modules do the I/O.
export * from './jobs.ts';
export * from './analyze.ts';
export * from './veristat.ts';
export * from './summary.ts';
export * from './author.ts';
export * from './author-render.ts';
export * from './words.ts';
export * from './marker.ts';
export * from './mail.ts';
export * from './patchwork.ts';
export * from './pr-comment.ts';
export * from './load.ts';
export * from './known.ts';
export * from './deliver.ts';
export * from './render.ts';
export * from './step.ts';
