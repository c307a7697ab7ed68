import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

const shared = sharedTestConfig('eurostat-source');

export default defineConfig({
  ...shared,
  test: { ...shared.test, globalSetup: ['test/global-setup.ts'] },
});
