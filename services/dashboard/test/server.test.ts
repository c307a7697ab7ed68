import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildDashboard,
  makeTempHome,
  type StartedDashboard,
  type TempHome,
} from './support/test-bed.js';

describe('dashboard server', () => {
  let home: TempHome;
  let bed: StartedDashboard;

  beforeAll(async () => {
    home = await makeTempHome();
    bed = await buildDashboard(home);
  });
  afterAll(async () => {
    await bed?.close();
    await home?.remove();
  });

  it('serves the page, which loads only scripts and styles from this server', async () => {
    const page = await bed.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual([
      'data:,',
      '/assets/dashboard.css',
      '/assets/chart.umd.min.js',
      '/assets/dashboard.js',
    ]);
  });

  it('serves Chart.js from node_modules, and the page script and style', async () => {
    const chart = await bed.app.inject({ method: 'GET', url: '/assets/chart.umd.min.js' });
    expect(chart.statusCode).toBe(200);
    expect(chart.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(chart.body).toContain('Chart.js v4.6.1');
    for (const url of ['/assets/dashboard.js', '/assets/dashboard.css']) {
      expect((await bed.app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
  });

  it('answers /healthz, /readyz and /metrics on the same port', async () => {
    expect((await bed.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({
      status: 'ok',
    });
    const ready = await bed.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok' });

    // A 503 is counted under the shared error metric with its code.
    expect((await bed.app.inject({ method: 'GET', url: '/api/summary' })).statusCode).toBe(503);
    const metrics = await bed.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain(
      'lakestream_component_errors_total{component="dashboard",code="LS_DASHBOARD_WAREHOUSE_MISSING",service="dashboard-test"} 1',
    );
  });
});
