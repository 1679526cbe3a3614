import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each e2e test spawns the CLI, and Argon2id takes 64 MiB and ~0.3 s per unlock:
    // two workers match the 2-core CI machine.
    maxWorkers: 2,
  },
});
