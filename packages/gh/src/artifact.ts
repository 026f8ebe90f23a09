// Upload files as a workflow artifact through @actions/artifact (a separate entry point,
// `@bpf-ci/gh/artifact`, so actions that do not upload do not bundle its dependencies).
import { DefaultArtifactClient } from '@actions/artifact';
import type { Logger } from '@bpf-ci/logger';

/** The part of @actions/artifact's client we use; tests pass a double here (GitHub's API). */
export interface ArtifactUploader {
  uploadArtifact(
    name: string,
    files: string[],
    rootDirectory: string,
    options?: { retentionDays?: number; compressionLevel?: number },
  ): Promise<{ id?: number; size?: number; digest?: string }>;
}

/** Characters GitHub rejects in artifact names (actions/toolkit path-and-artifact-name-validation). */
const INVALID_NAME = /[":<>|*?\r\n\\/]/g;

/** An artifact name built from parts such as runner, arch and toolchain, with invalid characters replaced. */
export function artifactName(...parts: string[]): string {
  const name = parts
    .filter((p) => p !== '')
    .join('-')
    .replace(INVALID_NAME, '_');
  if (name === '') throw new Error('artifact name is empty');
  return name;
}

export interface UploadRequest {
  name: string;
  files: string[];
  rootDirectory: string;
  retentionDays?: number;
  /** 0 for already-compressed data (kernel images, zstd logs). */
  compressionLevel?: number;
}

export async function uploadArtifact(
  request: UploadRequest,
  logger: Logger,
  client: ArtifactUploader = new DefaultArtifactClient(),
): Promise<{ id?: number; size?: number }> {
  const name = artifactName(request.name);
  if (request.files.length === 0) throw new Error(`artifact ${name}: no files to upload`);
  logger.info(`Uploading artifact ${name} (${request.files.length} files from ${request.rootDirectory})`);
  const options: { retentionDays?: number; compressionLevel?: number } = {};
  if (request.retentionDays !== undefined) options.retentionDays = request.retentionDays;
  if (request.compressionLevel !== undefined) options.compressionLevel = request.compressionLevel;
  const response = await client.uploadArtifact(name, request.files, request.rootDirectory, options);
  logger.info(`Uploaded artifact ${name}: id ${response.id ?? 'unknown'}, ${response.size ?? 0} bytes`);
  const out: { id?: number; size?: number } = {};
  if (response.id !== undefined) out.id = response.id;
  if (response.size !== undefined) out.size = response.size;
  return out;
}
