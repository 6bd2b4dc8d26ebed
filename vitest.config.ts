import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Liveness tests (in-place `.at`) call the garbage collector.
    execArgv: ['--expose-gc'],
  },
});
