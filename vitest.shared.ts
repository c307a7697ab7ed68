import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The vitest settings every package shares: workspace packages resolve to their TypeScript
 * sources (no build needed before a test), and each run writes a JSON report that
 * `commands.sh test` totals into one closing line.
 */
export function sharedTestConfig(packageName: string): ViteUserConfig {
  return {
    resolve: {
      alias: [
        {
          find: /^@lakestream\/([a-z-]+)$/,
          replacement: `${root}packages/$1/src/index.ts`,
        },
      ],
    },
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 180_000,
      reporters: process.env.LAKESTREAM_TEST_REPORT_DIR ? ['default', 'json'] : ['default'],
      outputFile: process.env.LAKESTREAM_TEST_REPORT_DIR
        ? { json: `${process.env.LAKESTREAM_TEST_REPORT_DIR}/${packageName}.json` }
        : undefined,
    },
  };
}
