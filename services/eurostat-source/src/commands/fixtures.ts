/**
 * `eurostat-source fixtures`: the local server that answers Eurostat's dissemination API paths
 * from the synthetic fixtures (src/fixtures/server.ts), in the foreground until SIGINT or SIGTERM.
 * It prints the EUROSTAT_API_BASE line that points the service at it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateLargeAnswer } from '../fixtures/large.js';
import { startFixtureServer } from '../fixtures/server.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');

const USAGE = `Usage: eurostat-source fixtures [--port 8790] [--host 127.0.0.1] [--data DIR] [--toc DIR] [--rss DIR]
         [--cell-limit 5000000] [--async-cells 500000] [--async CODE]... [--async-polls 2]
         [--large CODE=CELLS]...

Answers Eurostat's dissemination API paths (statistics/1.0/data/{code}, 1.0/async/status|data/{key},
catalogue/toc/txt, catalogue/toc/xml, catalogue/rss/{lang}/statistics-update.rss) from the
synthetic fixtures in services/eurostat-source/fixtures (see its README).

Options:
  --port N            port to listen on (0 picks a free one; default 8790)
  --host H            interface (default 127.0.0.1)
  --data DIR          JSON-stat answers, one <code>.json each (default fixtures/data)
  --toc DIR           table of contents, toc_<lang>.txt and toc.xml (default fixtures/toc)
  --rss DIR           update feed, <lang>/statistics-update.rss (default fixtures/rss)
  --cell-limit N      answers with more cells get 413 EXTRACTION_TOO_BIG (default 5000000)
  --async-cells N     answers with more cells are asynchronous (default 500000)
  --async CODE        always answer this dataset asynchronously (repeatable)
  --async-polls N     polls before an asynchronous request is AVAILABLE (default 2)
  --large CODE=CELLS  serve a generated answer of CELLS observed cells as CODE (repeatable)`;

/** Runs the command; returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    process.stderr.write(`eurostat-source fixtures: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const largeDir =
    args.large.length > 0 ? mkdtempSync(join(tmpdir(), 'eurostat-large-')) : undefined;
  try {
    const large: Record<string, string> = {};
    for (const { code, cells } of args.large) {
      process.stderr.write(`generating ${code} (${cells} cells)…\n`);
      large[code] = await generateLargeAnswer(code, cells, largeDir as string);
    }
    const server = await startFixtureServer({
      dataDir: args.data,
      tocDir: args.toc,
      rssDir: args.rss,
      host: args.host,
      port: args.port,
      cellLimit: args.cellLimit,
      asyncCells: args.asyncCells,
      asyncCodes: args.async,
      asyncPolls: args.asyncPolls,
      large,
    });
    process.stdout.write(`EUROSTAT_API_BASE=${server.apiBase}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return 0;
  } catch (err) {
    process.stderr.write(`eurostat-source fixtures: ${(err as Error).message}\n`);
    return 1;
  } finally {
    if (largeDir) rmSync(largeDir, { recursive: true, force: true });
  }
}

function parse(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', default: '8790' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string', default: join(FIXTURES, 'data') },
      toc: { type: 'string', default: join(FIXTURES, 'toc') },
      rss: { type: 'string', default: join(FIXTURES, 'rss') },
      'cell-limit': { type: 'string', default: '5000000' },
      'async-cells': { type: 'string', default: '500000' },
      async: { type: 'string', multiple: true, default: [] },
      'async-polls': { type: 'string', default: '2' },
      large: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    help: values.help,
    port: count(values.port, '--port', 0),
    host: values.host,
    data: values.data,
    toc: values.toc,
    rss: values.rss,
    cellLimit: count(values['cell-limit'], '--cell-limit', 1),
    asyncCells: count(values['async-cells'], '--async-cells', 0),
    async: values.async,
    asyncPolls: count(values['async-polls'], '--async-polls', 0),
    large: values.large.map((spec) => {
      const m = spec.match(/^([A-Za-z0-9_]+)=(\d+)$/);
      if (!m) throw new Error(`--large takes CODE=CELLS, not "${spec}"`);
      return { code: (m[1] as string).toLowerCase(), cells: count(m[2] as string, '--large', 1) };
    }),
  };
}

function count(text: string, option: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min)
    throw new Error(`${option} takes an integer ≥ ${min}, not "${text}"`);
  return n;
}
