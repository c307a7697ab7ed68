/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createKafka, ensureTopics } from '@lakestream/kafka';
import { createLogger } from '@lakestream/observability';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDuckdbGold } from './support/gold-fixture.js';
import { writeLake, writeRunResults } from './support/lake-fixture.js';
import {
  buildDashboard,
  makeTempHome,
  type StartedDashboard,
  type TempHome,
} from './support/test-bed.js';

const OUTPUT_DIR = fileURLToPath(new URL('./output/', import.meta.url));
const executablePath = process.env.DASHBOARD_TEST_CHROMIUM;
const skipReason = process.env.DASHBOARD_TEST_CHROMIUM_SKIP;

if (executablePath === undefined) {
  process.stderr.write(`browser tests skipped: ${skipReason ?? 'no Chromium found'}\n`);
}

/** The page's problems as the browser reports them: console errors, uncaught errors. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  return problems;
}

async function loaded(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-state="loaded"]');
  await page.evaluate(() =>
    (window as unknown as { lakestreamDashboard: { stop(): void } }).lakestreamDashboard.stop(),
  );
}

describe.skipIf(executablePath === undefined)('the dashboard page in headless Chromium', () => {
  const topic = `dashboard-browser-${randomUUID()}`;
  const group = `dashboard-browser-group-${randomUUID()}`;
  const kafka = createKafka({
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    clientId: 'dashboard-browser-test',
    logger: createLogger({ service: 'dashboard-test', level: 'warn' }),
  });
  let browser: Browser;
  let home: TempHome;
  let bed: StartedDashboard;
  let url: string;

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
      await producer.disconnect();
      await admin.setOffsets({
        groupId: group,
        topic,
        partitions: [{ partition: 0, offset: '1' }],
      });
    } finally {
      await admin.disconnect();
    }
    home = await makeTempHome();
    await Promise.all([
      writeDuckdbGold(home.warehouse),
      writeLake(home.lake),
      writeRunResults(home.runResults),
    ]);
    bed = await buildDashboard(home, {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      DASHBOARD_LAG_GROUPS: `${group}@${topic}`,
    });
    url = await bed.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: executablePath!, headless: true });
    await mkdir(OUTPUT_DIR, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await bed?.close();
    await home?.remove();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([group]).catch(() => {});
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it('loads with no console error, every chart has data, and a screenshot is written', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = watch(page);
    await loaded(page, url);

    const charts = await page.evaluate(() => {
      const { charts } = (
        window as unknown as {
          lakestreamDashboard: {
            charts: Map<
              string,
              { data: { labels: unknown[]; datasets: { label: string; data: unknown[] }[] } }
            >;
          };
        }
      ).lakestreamDashboard;
      return Object.fromEntries(
        [...charts].map(([name, chart]) => [
          name,
          {
            labels: chart.data.labels.length,
            datasets: chart.data.datasets.map((d) => d.data.filter((v) => v !== null).length),
          },
        ]),
      );
    });
    expect(charts).toEqual({
      performance: { labels: 3, datasets: [2, 3] }, // the margin is NULL in the last month
      retention: { labels: 3, datasets: [2, 3, 3] }, // no retention rate in the first month
      shipping: { labels: 4, datasets: [2, 1, 1, 1] }, // 4 modes × 4 statuses, 5 pairs
      commitments: { labels: 3, datasets: [3, 3] },
      fraud: { labels: 10, datasets: [10] },
      lag: { labels: 1, datasets: [1] },
    });

    const text = await page.evaluate(() => ({
      kpis: document.querySelector('#kpis')?.textContent ?? '',
      errors: [...document.querySelectorAll('.panel-error')]
        .filter((e) => !(e as HTMLElement).hidden)
        .map((e) => e.textContent),
      banner: (document.querySelector('#banner') as HTMLElement).hidden,
      bronze: document.querySelector('#bronze-facts')?.textContent ?? '',
      silver: document.querySelector('[data-panel="silver"]')?.textContent ?? '',
      dbt: document.querySelector('#dbt-facts')?.textContent ?? '',
      fraudRows: document.querySelectorAll('#fraud-table tbody tr').length,
    }));
    expect(text.errors).toEqual([]);
    expect(text.banner).toBe(true);
    expect(text.kpis).toContain('2,500.50');
    expect(text.kpis).toContain('2018-01');
    expect(text.bronze).toContain('partition 0');
    expect(text.silver).toContain('00000002');
    expect(text.silver).toContain('passed with quarantine');
    expect(text.dbt).toContain('dbt build');
    expect(text.fraudRows).toBe(10);

    await page.screenshot({ path: `${OUTPUT_DIR}dashboard.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows why the gold layer cannot be read, and keeps the pipeline panels', async () => {
    const empty = await makeTempHome();
    const broken = await buildDashboard(empty);
    try {
      const brokenUrl = await broken.app.listen({ port: 0, host: '127.0.0.1' });
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const problems = watch(page);
      await loaded(page, brokenUrl);
      const state = await page.evaluate(() => ({
        banner: document.querySelector('#banner')?.textContent ?? '',
        performance:
          document.querySelector('[data-panel="performance"] .panel-error')?.textContent ?? '',
        lag: document.querySelector('[data-panel="lag"] .panel-error')?.textContent ?? '',
        dbt: document.querySelector('#dbt-facts')?.textContent ?? '',
      }));
      expect(state.banner).toContain('The gold layer cannot be read right now');
      expect(state.banner).toContain('does not exist yet');
      expect(state.performance).toBe('No data: the gold layer cannot be read (see above).');
      expect(state.lag).toContain('Consumer lag unavailable');
      expect(state.dbt).toContain('no dbt run yet');
      await page.screenshot({ path: `${OUTPUT_DIR}dashboard-unavailable.png`, fullPage: true });
      // The browser logs each 503 answer; nothing else may go wrong.
      expect(problems.filter((p) => !p.includes('status of 503'))).toEqual([]);
      await page.close();
    } finally {
      await broken.close();
      await empty.remove();
    }
  });
});
