// The GitHub Actions runner protocol, with no dependency on @actions/*: workflow commands and their
// escaping, stop-commands framing, annotations and GitHub's caps, the step summary's budget and the
// Markdown escaping its content needs.
export * from './commands.ts';
export * from './annotations.ts';
export * from './step-summary.ts';
export * from './markdown.ts';
export * from './guard.ts';
