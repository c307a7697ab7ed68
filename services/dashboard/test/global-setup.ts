import { devstackGlobalSetup } from '@lakestream/devstack';
import { ensureChromium } from './support/chromium.js';

export default async () => {
  const teardown = await devstackGlobalSetup(['kafka', 'bigquery']);
  const chromium = ensureChromium((message) => process.stderr.write(`[chromium] ${message}\n`));
  if (chromium.path !== undefined) process.env.DASHBOARD_TEST_CHROMIUM = chromium.path;
  else process.env.DASHBOARD_TEST_CHROMIUM_SKIP = chromium.reason;
  return teardown;
};
