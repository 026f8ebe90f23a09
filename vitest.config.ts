import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // The host check: names missing tools before any test fails on them.
          globalSetup: ['test/unit/global-setup.ts'],
          testTimeout: 30_000,
          // GitHub's workflow parser imports JSON without import attributes: let Vite load it.
          server: { deps: { inline: ['@actions/workflow-parser'] } },
        },
      },
      {
        // The threat model, one file per trust boundary (test/security/README.md): fast, no VM.
        test: {
          name: 'security',
          include: ['test/security/**/*.test.ts'],
          testTimeout: 30_000,
          server: { deps: { inline: ['@actions/workflow-parser'] } },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // Provisions the Debian kernels and the selftests into the cache, so CI from nothing works.
          globalSetup: ['test/e2e/global-setup.ts'],
          // Real QEMU under TCG on 2 cores: one VM at a time.
          fileParallelism: false,
          testTimeout: 30 * 60_000,
          hookTimeout: 40 * 60_000,
        },
      },
    ],
  },
});
