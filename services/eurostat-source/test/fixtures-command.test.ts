/**
 * `eurostat-source fixtures` as a process: it prints the EUROSTAT_API_BASE line, answers on it
 * (a `--large` generated answer included), and stops cleanly on SIGTERM; a bad option is refused with its usage.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const RUN =
  'import(process.argv[1]).then((m) => m.main(process.argv.slice(2))).then((s) => process.exit(s))';
const args = (...argv: string[]) => [
  '--conditions=lakestream-source',
  '--import',
  'tsx',
  '-e',
  RUN,
  join(ROOT, 'src', 'commands', 'fixtures.ts'),
  ...argv,
];

let child: ChildProcess | undefined;
afterEach(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
});

describe('eurostat-source fixtures', () => {
  it('prints EUROSTAT_API_BASE, serves the fixtures and a generated answer there, and stops on SIGTERM', async () => {
    child = spawn(
      process.execPath,
      args('--port', '0', '--async', 'nama_10_gdp', '--large', 'hlth_big=2000'),
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const [line] = (await once(
      createInterface({ input: child.stdout as NodeJS.ReadableStream }),
      'line',
    )) as [string];
    expect(line).toMatch(
      /^EUROSTAT_API_BASE=http:\/\/127\.0\.0\.1:\d+\/eurostat\/api\/dissemination$/,
    );
    const base = line.slice('EUROSTAT_API_BASE='.length);
    const beds = await fetch(`${base}/statistics/1.0/data/hlth_rs_bds?format=JSON&lang=EN`);
    expect(await beds.text()).toBe(
      readFileSync(join(ROOT, 'fixtures', 'data', 'hlth_rs_bds.json'), 'utf8'),
    );
    const gdp = (await (
      await fetch(`${base}/statistics/1.0/data/nama_10_gdp?format=JSON&lang=EN`)
    ).json()) as { warning: { label: string } };
    expect(gdp.warning.label).toMatch(/^ASYNCHRONOUS_RESPONSE/);
    // the generated answer is streamed whole; filters on it are refused
    const big = (await (
      await fetch(`${base}/statistics/1.0/data/hlth_big?format=JSON&lang=EN`)
    ).json()) as {
      value: Record<string, number>;
      status: Record<string, string>;
      extension: { id: string; annotation: { type: string; title: string }[] };
    };
    expect(big.extension.id).toBe('HLTH_BIG');
    expect(big.extension.annotation).toContainEqual({ type: 'OBS_COUNT', title: '2000' });
    const cells = new Set([...Object.keys(big.value), ...Object.keys(big.status)]);
    expect(cells.size).toBe(2000);
    expect((await fetch(`${base}/statistics/1.0/data/hlth_big?geo=DE`)).status).toBe(400);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('refuses a malformed option with its usage and status 2', () => {
    const result = spawnSync(process.execPath, args('--large', 'hlth_rs_bds'), {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--large takes CODE=CELLS, not "hlth_rs_bds"');
    expect(result.stderr).toContain('Usage: eurostat-source fixtures');
  });
});
