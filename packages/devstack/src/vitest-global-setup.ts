import type { ServiceName } from './services/service.js';
import { ensureStack } from './stack.js';

/**
 * A vitest `globalSetup` body: makes the wanted services available, exports their variables to
 * the test workers, and returns the teardown that stops only what it started.
 */
export async function devstackGlobalSetup(
  services: readonly ServiceName[],
): Promise<() => Promise<void>> {
  const stack = await ensureStack({
    services,
    progress: (message) => process.stderr.write(`[devstack] ${message}\n`),
  });
  Object.assign(process.env, stack.env);
  return () => stack.stop();
}
