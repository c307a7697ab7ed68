import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The page's own files (src/ and dist/ both sit beside public/). */
export const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

/** One file the server sends as it is. */
export interface StaticAsset {
  body: Buffer;
  contentType: string;
}

/** The page, its script and style, and the charting library, by URL path. */
export interface StaticAssets {
  readonly files: ReadonlyMap<string, StaticAsset>;
  /** The charting library served, e.g. `{ name: 'chart.js', version: '4.6.1' }`. */
  readonly chartLibrary: { name: string; version: string };
}

/**
 * Chart.js's UMD bundle (everything registered, no imports), found through the package's own
 * entry point since `exports` does not list it. Served by the dashboard: the page needs no CDN.
 */
export function chartJsBundlePath(): { bundle: string; packageJson: string } {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  const dist = dirname(entry);
  return { bundle: join(dist, 'chart.umd.min.js'), packageJson: join(dist, '..', 'package.json') };
}

/** Reads every file the page needs into memory, once at start. */
export async function loadStaticAssets(): Promise<StaticAssets> {
  const chart = chartJsBundlePath();
  const [html, script, style, bundle, chartPackage] = await Promise.all([
    readFile(join(PUBLIC_DIR, 'index.html')),
    readFile(join(PUBLIC_DIR, 'dashboard.js')),
    readFile(join(PUBLIC_DIR, 'dashboard.css')),
    readFile(chart.bundle),
    readFile(chart.packageJson, 'utf8'),
  ]);
  const { version } = JSON.parse(chartPackage) as { version: string };
  const files = new Map<string, StaticAsset>([
    ['/', { body: html, contentType: 'text/html; charset=utf-8' }],
    ['/assets/dashboard.js', { body: script, contentType: 'text/javascript; charset=utf-8' }],
    ['/assets/dashboard.css', { body: style, contentType: 'text/css; charset=utf-8' }],
    ['/assets/chart.umd.min.js', { body: bundle, contentType: 'text/javascript; charset=utf-8' }],
  ]);
  return { files, chartLibrary: { name: 'chart.js', version } };
}
