// The step summary ($GITHUB_STEP_SUMMARY): GitHub drops a step's whole summary past 1 MiB (bytes).
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#step-isolation-and-limits

/** GitHub's per-step limit: 1 MiB, in bytes. */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;

/**
 * The bytes one renderer may use by default: the limit less 8 KiB of headroom for what other
 * tools of the same step append.
 */
export const STEP_SUMMARY_BUDGET = STEP_SUMMARY_LIMIT - 8 * 1024;
