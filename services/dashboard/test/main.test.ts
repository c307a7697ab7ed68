import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { writeDuckdbGold } from './support/gold-fixture.js';
import { makeTempHome, type TempHome } from './support/test-bed.js';

const SERVICE_DIR = fileURLToPath(new URL('..', import.meta.url));
const NODE_ARGS = ['--conditions=lakestream-source', '--import', 'tsx'];

function start(script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [...NODE_ARGS, script, ...args], {
    cwd: SERVICE_DIR,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function output(child: ChildProcess) {
  const chunks = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => {
    chunks.stdout += d;
  });
  child.stderr!.on('data', (d) => {
    chunks.stderr += d;
  });
  const [code] = await once(child, 'exit');
  return { code: code as number, ...chunks };
}

describe('src/main.ts and src/cli.ts as processes', () => {
  let home: TempHome;

  beforeAll(async () => {
    home = await makeTempHome();
    await writeDuckdbGold(home.warehouse);
  });
  afterAll(() => home?.remove());

  it('main: listens on DASHBOARD_PORT, serves the API, exits 0 on SIGTERM', async () => {
    const child = start('src/main.ts', [], {
      LAKESTREAM_HOME: home.dir,
      DASHBOARD_PORT: '0',
      KAFKA_BROKERS: '127.0.0.1:1',
    });
    const exit = output(child);
    let url: string | undefined;
    for await (const line of createInterface({ input: child.stdout! })) {
      const entry = JSON.parse(line) as { msg: string; url?: string };
      if (entry.msg === 'dashboard listening') {
        url = entry.url;
        break;
      }
    }
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const summary = (await (await fetch(`${url}/api/summary`)).json()) as {
      kpis: { items: number };
    };
    expect(summary.kpis.items).toBe(15);
    child.kill('SIGTERM');
    expect((await exit).code).toBe(0);
  });

  it('main: exits 2 listing every configuration problem', async () => {
    const result = await output(
      start('src/main.ts', [], { DASHBOARD_PORT: 'x', DASHBOARD_WAREHOUSE: 'oracle' }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Invalid configuration (2 problems)');
  });

  it('cli summary: prints the KPI lines; exit 3 with the reason when the warehouse is missing', async () => {
    const ok = await output(start('src/cli.ts', ['summary'], { LAKESTREAM_HOME: home.dir }));
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')).toEqual([
      `Gold KPIs (duckdb ${home.warehouse})`,
      '  Net sales           2,500.50 (valid sales)',
      '  Profit margin       10.8 %',
      '  Order items         15 in 9 orders',
      '  Customers           12',
      '  Latest month        2018-01',
      '  Flagged customers   11 (91.7 % of customers)',
      '  Late-delivery rate  46.7 % of items',
      '',
    ]);

    const missing = await output(
      start('src/cli.ts', ['summary'], { DASHBOARD_DUCKDB_PATH: `${home.dir}/nope.duckdb` }),
    );
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('does not exist yet');
    expect(missing.stderr).toContain('[LS_DASHBOARD_WAREHOUSE_MISSING]');
  });

  it('cli: --json and bad usage (in-process)', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const run = (args: string[]) =>
      runCli(
        args,
        { LAKESTREAM_HOME: home.dir },
        (l) => out.push(l),
        (l) => err.push(l),
      );
    expect(await run(['summary', '--json'])).toBe(0);
    expect(JSON.parse(out[0]!)).toMatchObject({ items: 15, customers: 12, flagged_customers: 11 });
    expect(await run(['sumary'])).toBe(64);
    expect(err[0]).toContain('usage: dashboard summary');
    expect(await run(['summary', '--csv'])).toBe(64);
  });
});
