// The GitHub Actions URLs a reader copies from the browser: a job's page or a run's page.

export interface ActionsUrl {
  owner: string;
  repo: string;
  runId: number;
  /** Present for a job URL (…/runs/RUN/job/JOB). */
  jobId?: number;
  /** Present for an attempt's URL (…/runs/RUN/attempts/N). */
  attempt?: number;
}

const ACTIONS_PATH =
  /^\/([A-Za-z0-9][A-Za-z0-9-]*)\/([A-Za-z0-9._-]+)\/actions\/runs\/(\d+)(?:\/attempts\/(\d+)|\/job\/(\d+))?\/?$/;

/** Whether an argument looks like a URL at all (else it is a folder). */
export function isUrl(arg: string): boolean {
  return /^https?:\/\//i.test(arg);
}

/**
 * https://github.com/OWNER/REPO/actions/runs/RUN[/job/JOB | /attempts/N] (any GitHub host: a
 * GitHub Enterprise server has the same paths). Throws a message saying which URL to give.
 */
export function parseActionsUrl(text: string): ActionsUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`'${text}' is not a URL: give a job's URL or a run's URL from GitHub Actions`);
  }
  const m = ACTIONS_PATH.exec(url.pathname);
  if (!m)
    throw new Error(
      `${url.href} is not a GitHub Actions job or run URL: open the failed job in GitHub and copy its ` +
        'address (https://github.com/OWNER/REPO/actions/runs/RUN/job/JOB)',
    );
  return {
    owner: m[1]!,
    repo: m[2]!,
    runId: Number(m[3]),
    ...(m[4] ? { attempt: Number(m[4]) } : {}),
    ...(m[5] ? { jobId: Number(m[5]) } : {}),
  };
}

/** The run page's URL, with its attempt when known. */
export function runPageUrl(
  server: string,
  u: { owner: string; repo: string; runId: number; attempt?: number },
): string {
  const base = `${server.replace(/\/+$/, '')}/${u.owner}/${u.repo}/actions/runs/${u.runId}`;
  return u.attempt ? `${base}/attempts/${u.attempt}` : base;
}

/**
 * kernel-ci's test jobs are named "TEST on ARCH with TOOLCHAIN" and upload their logs as
 * results-TEST-ARCH-TOOLCHAIN-attempt-N, after downloading the build kernel-ARCH-TOOLCHAIN.
 */
const TEST_JOB_NAME = /^(\S+) on (\S+) with (\S+)$/;

export interface TestJobNames {
  test: string;
  arch: string;
  toolchain: string;
  resultsArtifact: string;
  buildArtifact: string;
}

export function testJobArtifacts(jobName: string, attempt: number): TestJobNames | undefined {
  const m = TEST_JOB_NAME.exec(jobName);
  if (!m) return undefined;
  const [, test, arch, toolchain] = m as unknown as [string, string, string, string];
  const label = `${arch}-${toolchain}`;
  return {
    test,
    arch,
    toolchain,
    resultsArtifact: `results-${test}-${label}-attempt-${attempt}`,
    buildArtifact: `kernel-${label}`,
  };
}
