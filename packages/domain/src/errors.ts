/**
 * A mistake the user can fix (a bad input, a bad config value, a missing file): shown as one clear
 * error without a stack. Any other error is a bug in bpf-ci and is reported with its stack.
 */
export class UserError extends Error {
  override name = 'UserError';
}

/** Where in a config file something is wrong, and how to fix it. */
export interface ConfigIssue {
  file: string;
  /** 1-based, as editors and GitHub annotations count. */
  line: number;
  column: number;
  /** What is wrong, quoting what was written. */
  message: string;
  expected?: string;
  fix?: string;
}

export function formatIssue(issue: ConfigIssue): string {
  return [
    `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`,
    ...(issue.expected ? [`  expected: ${issue.expected}`] : []),
    ...(issue.fix ? [`  fix: ${issue.fix}`] : []),
  ].join('\n');
}

/** A config file that cannot be used: its issues with places, or one message. */
export class ConfigError extends UserError {
  override name = 'ConfigError';
  readonly issues: ConfigIssue[];
  constructor(problem: string | ConfigIssue[]) {
    super(typeof problem === 'string' ? problem : problem.map(formatIssue).join('\n'));
    this.issues = typeof problem === 'string' ? [] : problem;
  }
}
