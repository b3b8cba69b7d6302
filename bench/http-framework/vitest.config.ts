// Runs the framework evaluation's tests (not part of `npm test`: fastify is only a dev
// dependency for this comparison). npx vitest run --config bench/http-framework/vitest.config.ts
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['bench/http-framework/**/*.test.ts'], environment: 'node', testTimeout: 180_000, hookTimeout: 120_000, pool: 'forks', maxWorkers: 1 },
});
