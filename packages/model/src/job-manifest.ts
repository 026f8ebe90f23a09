// The job manifest: everything a local reproduction of one CI test job needs, written by the VM
// runner next to results.json (job-manifest.json). The run plan is kept as the runner's own JSON
// (the VM package validates it when it boots it again); the rest is described here.
import { z } from 'zod';

export const JOB_MANIFEST_FILE = 'job-manifest.json';

/** A file or folder of the job's build, relative to the folder the build was unpacked into. */
const BuildPath = z.string().refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
  message: 'a path inside the build folder (relative, without ..)',
});

export const JobManifest = z.object({
  schemaVersion: z.literal(1),
  arch: z.string(),
  toolchain: z.string().optional(),
  kernelRelease: z.string().optional(),
  build: z.object({
    /** Where the build was on the runner (the common folder of the paths below). */
    root: z.string(),
    /** The CI artifact holding the build, when the job says which (kernel-ARCH-TOOLCHAIN). */
    artifact: z.string().optional(),
    kernelImage: BuildPath,
    kernelConfig: BuildPath.optional(),
    modules: BuildPath.optional(),
    selftests: BuildPath,
  }),
  /** The allow and deny entries after merging every list layer, each with the file it came from. */
  lists: z.object({
    allow: z.array(z.object({ entry: z.string(), source: z.string() })),
    deny: z.array(z.object({ entry: z.string(), source: z.string() })),
  }),
  /** The run plan as the VM runner wrote it (plan.json): runners, argv, timeouts, retries. */
  plan: z.record(z.string(), z.unknown()),
  /** The kernel command line QEMU passed. */
  cmdline: z.string(),
  qemu: z.object({
    binary: z.string(),
    machine: z.string(),
    cpu: z.string(),
    accelerator: z.string(),
    memoryMiB: z.number().int().positive(),
    cpus: z.number().int().positive(),
    silenceTimeoutSec: z.number().int().positive(),
  }),
  /** The runner's userland the guest ran the selftests on (shared read-only into the guest). */
  userland: z.object({ distribution: z.string(), libc: z.string() }),
  commit: z.string().optional(),
  repository: z.string().optional(),
  workflow: z.string().optional(),
  job: z.string().optional(),
  runUrl: z.string().optional(),
  jobUrl: z.string().optional(),
  runAttempt: z.number().int().positive().optional(),
});
export type JobManifest = z.infer<typeof JobManifest>;

/** A manifest read from a file: a clear message naming the file and the first wrong field. */
export function parseJobManifest(value: unknown, source: string): JobManifest {
  const parsed = JobManifest.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue?.path[0] === 'schemaVersion')
    throw new Error(
      `${source}: job manifest schemaVersion ${JSON.stringify((value as { schemaVersion?: unknown })?.schemaVersion)} is not one this bpf-ci reads (1): use the bpf-ci version the job used`,
    );
  throw new Error(
    `${source}: not a valid job manifest: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
  );
}
