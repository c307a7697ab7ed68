// Why the silver Parquet is written by DuckDB and not by parquetjs-lite (the package the original
// request named): the same rows of fct_order_items, with its 31 columns and types from
// @lakestream/silver, written to one Parquet file three ways, each file read back by DuckDB and
// compared with the rows. Figures are printed, never asserted.
//
//   pnpm --filter @lakestream/transformer bench:parquet      (BENCH_ROWS=180519 BENCH_RUNS=2)
//
// The rows are synthetic (values spread by a hash of the row number, per column type): a writer's
// speed depends on the types, the row count and the values' cardinality, not on what they mean.
import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DuckDBAppender,
  DuckDBDateValue,
  DuckDBInstance,
  DuckDBTimestampValue,
} from '@duckdb/node-api';
import { DUCKDB_TYPES, SILVER_TABLES, type SilverType } from '@lakestream/silver';
import parquet from 'parquetjs-lite';

const ROWS = Number(process.env.BENCH_ROWS ?? 180_519);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const DAY_MS = 86_400_000;
const columns = SILVER_TABLES.fct_order_items.columns;
const work = join(tmpdir(), `parquet-writers-bench-${randomUUID().slice(0, 8)}`);
const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** A column's values as a DuckDB expression of the row number `i`, by logical type. */
function syntheticSql(name: string, type: SilverType): string {
  const h = `hash(i, '${name}')`;
  switch (type) {
    case 'int64':
      return name === 'order_item_id' ? 'i' : `(${h} % 100000)::BIGINT`;
    case 'float64':
      return `round((${h} % 1000000) / 100.0, 2)::DOUBLE`;
    case 'string':
      return `'${name}-' || (${h} % 2000)::VARCHAR`;
    case 'date':
      return `DATE '2015-01-01' + (${h} % 1100)::INTEGER`;
    case 'timestamp':
      return `TIMESTAMP '2015-01-01' + to_seconds((${h} % 95000000)::BIGINT)`;
    case 'bool':
      return `${h} % 2 = 0`;
  }
}

/** parquetjs-lite's schema for the table: its nearest types (it has no zstd, INT64 through parseInt). */
function parquetjsSchema(): InstanceType<typeof parquet.ParquetSchema> {
  const types: Record<SilverType, string> = {
    int64: 'INT64',
    float64: 'DOUBLE',
    string: 'UTF8',
    date: 'DATE',
    timestamp: 'TIMESTAMP_MICROS',
    bool: 'BOOLEAN',
  };
  return new parquet.ParquetSchema(
    Object.fromEntries(columns.map((c) => [c.name, { type: types[c.type], optional: c.nullable }])),
  );
}

type Row = Record<string, number | string | boolean | Date>;

/** The rows as a JavaScript program holds them before writing (numbers, strings, Dates). */
async function readRows(
  connection: Awaited<ReturnType<DuckDBInstance['connect']>>,
): Promise<Row[]> {
  const reader = await connection.runAndReadAll(
    `SELECT ${columns
      .map((c) =>
        c.type === 'date' || c.type === 'timestamp'
          ? `epoch_ms(${c.name}::TIMESTAMP) AS ${c.name}`
          : c.type === 'int64'
            ? `${c.name}::DOUBLE AS ${c.name}`
            : c.name,
      )
      .join(', ')} FROM fact ORDER BY order_item_id`,
  );
  const rows = reader.getRowObjects() as Record<string, unknown>[];
  return rows.map((raw) => {
    const row: Row = {};
    for (const c of columns) {
      const value = raw[c.name];
      row[c.name] =
        c.type === 'date' || c.type === 'timestamp'
          ? new Date(Number(value))
          : (value as number | string | boolean);
    }
    return row;
  });
}

function appendRow(appender: DuckDBAppender, row: Row): void {
  for (const c of columns) {
    const value = row[c.name]!;
    switch (c.type) {
      case 'int64':
        appender.appendBigInt(BigInt(value as number));
        break;
      case 'float64':
        appender.appendDouble(value as number);
        break;
      case 'string':
        appender.appendVarchar(value as string);
        break;
      case 'bool':
        appender.appendBoolean(value as boolean);
        break;
      case 'date':
        appender.appendDate(new DuckDBDateValue(Math.floor((value as Date).getTime() / DAY_MS)));
        break;
      case 'timestamp':
        appender.appendTimestamp(
          new DuckDBTimestampValue(BigInt((value as Date).getTime()) * 1000n),
        );
        break;
    }
  }
  appender.endRow();
}

interface Timing {
  seconds: number;
  bytes: number;
  equal: boolean;
}

async function main(): Promise<void> {
  await mkdir(work, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const ddl = columns.map((c) => `${c.name} ${DUCKDB_TYPES[c.type]}`).join(', ');
  await connection.run(`CREATE TABLE fact (${ddl})`);
  await connection.run(
    `INSERT INTO fact SELECT ${columns.map((c) => `${syntheticSql(c.name, c.type)} AS ${c.name}`).join(', ')}
     FROM range(${ROWS}) AS t(i)`,
  );
  const rows = await readRows(connection);
  say(`${rows.length.toLocaleString('en-US')} rows × ${columns.length} columns in memory`);

  /** Read back by DuckDB: the same rows as the table, none missing or extra. */
  const sameAsFact = async (path: string): Promise<boolean> => {
    const reader = await connection.runAndReadAll(
      `SELECT (SELECT count(*) FROM read_parquet('${path}')) = (SELECT count(*) FROM fact)
          AND NOT EXISTS (SELECT ${columns.map((c) => `${c.name}::${DUCKDB_TYPES[c.type]}`).join(', ')}
                          FROM read_parquet('${path}') EXCEPT SELECT * FROM fact)`,
    );
    return reader.getRows()[0]?.[0] === true;
  };

  const timed = async (name: string, write: (path: string) => Promise<void>): Promise<Timing> => {
    const path = join(work, `${name}-${randomUUID().slice(0, 6)}.parquet`);
    const start = performance.now();
    await write(path);
    const seconds = (performance.now() - start) / 1000;
    const timing = { seconds, bytes: (await stat(path)).size, equal: await sameAsFact(path) };
    await rm(path);
    return timing;
  };

  const writers: Record<string, (path: string) => Promise<void>> = {
    'parquetjs-lite 0.8.7, SNAPPY': async (path) => {
      const writer = await parquet.ParquetWriter.openFile(parquetjsSchema(), path, {
        compression: 'SNAPPY',
      });
      for (const row of rows) await writer.appendRow(row);
      await writer.close();
    },
    'DuckDB appender + COPY (zstd)': async (path) => {
      await connection.run('CREATE OR REPLACE TABLE appended AS SELECT * FROM fact LIMIT 0');
      const appender = await connection.createAppender('appended');
      for (const row of rows) appendRow(appender, row);
      appender.closeSync();
      await connection.run(`COPY appended TO '${path}' (FORMAT parquet, COMPRESSION zstd)`);
    },
    'DuckDB COPY of its table (zstd)': async (path) => {
      await connection.run(`COPY fact TO '${path}' (FORMAT parquet, COMPRESSION zstd)`);
    },
  };

  const best = new Map<string, Timing>();
  for (let run = 0; run < RUNS; run++) {
    const names = Object.keys(writers);
    if (run % 2 === 1) names.reverse();
    for (const name of names) {
      const timing = await timed(name, writers[name]!);
      say(`run ${run + 1}: ${name} ${timing.seconds.toFixed(2)} s`);
      const previous = best.get(name);
      if (!previous || timing.seconds < previous.seconds) best.set(name, timing);
    }
  }
  connection.closeSync();

  const load = loadavg()[0]!.toFixed(1);
  console.log(
    `Parquet writers: ${ROWS.toLocaleString('en-US')} synthetic fct_order_items rows (${columns.length} columns) from memory to one file; best of ${RUNS} on ${cpus().length} CPUs, load ${load}`,
  );
  const reference = best.get('parquetjs-lite 0.8.7, SNAPPY')!;
  for (const [name, timing] of best) {
    const rate = Math.round(ROWS / timing.seconds).toLocaleString('en-US');
    console.log(
      `  ${name.padEnd(34)} ${timing.seconds.toFixed(2).padStart(6)} s  ${rate.padStart(9)} rows/s  ${(timing.bytes / 1e6).toFixed(1).padStart(5)} MB  read back equal: ${timing.equal ? 'yes' : 'NO'}  ${(reference.seconds / timing.seconds).toFixed(1)}× parquetjs-lite`,
    );
  }
}

try {
  await main();
} finally {
  await rm(work, { recursive: true, force: true });
}
