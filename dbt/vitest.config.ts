import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../vitest.shared.js';

const shared = sharedTestConfig('dbt');

export default defineConfig({
  ...shared,
  // The set-up may install dbt into the venv first (a few minutes on a fresh machine), then runs
  // `dbt build` on a generated warehouse.
  test: { ...shared.test, hookTimeout: 900_000, testTimeout: 120_000 },
});
