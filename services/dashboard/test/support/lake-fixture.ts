import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openObjectStore } from '@lakestream/object-store';
import { type BatchManifest, SILVER_TABLE_NAMES } from '@lakestream/silver';

const TOPIC = 'lakestream.order_items.v1';

/** Bronze keys the fixture writes, oldest first (by write time). */
export const BRONZE_KEYS = [
  `bronze/${TOPIC}/dt=2018-01-31/hour=22/${TOPIC}+1+00000000000000000000.jsonl.gz`,
  // Written last although its record hour is earlier: "last" means last written.
  `bronze/${TOPIC}/dt=2018-01-31/hour=21/${TOPIC}+0+00000000000000000042.jsonl.gz`,
] as const;

function line(partition: number, offset: number): string {
  return `${JSON.stringify({
    topic: TOPIC,
    partition,
    offset,
    timestamp: '2018-01-31T21:56:00.000Z',
    key: '77202',
    headers: {},
    value_encoding: 'json',
    value: { order_id: 77202 },
  })}\n`;
}

/** A published batch manifest following the silver contract. */
export function batchManifest(sequence: number, quarantined: boolean): BatchManifest {
  const id = String(sequence).padStart(8, '0');
  return {
    version: 1,
    batch_id: id,
    sequence,
    created_at: `2025-01-0${sequence}T10:00:00.000Z`,
    inputs: [
      {
        key: BRONZE_KEYS[0],
        topic: TOPIC,
        partition: 1,
        first_offset: 0,
        last_offset: 9,
        record_count: 10,
      },
    ],
    tables: {
      fct_order_items: {
        rows: 9,
        files: [
          {
            key: `silver/fct_order_items/order_month=2018-01-01/batch=${id}/part-0.parquet`,
            rows: 9,
            bytes: 1234,
            order_month: '2018-01-01',
          },
        ],
      },
      ...Object.fromEntries(
        SILVER_TABLE_NAMES.filter((t) => t !== 'fct_order_items').map((table) => [
          table,
          {
            rows: 4,
            files: [{ key: `silver/${table}/batch=${id}/part-0.parquet`, rows: 4, bytes: 321 }],
          },
        ]),
      ),
    } as BatchManifest['tables'],
    quality: {
      status: quarantined ? 'passed_with_quarantine' : 'passed',
      records_in: 10,
      rows_out: quarantined ? 8 : 9,
      rejected: quarantined ? 1 : 0,
      superseded: 1,
      checks: [
        { name: 'payload_is_order_item_event', status: 'passed', failing_rows: 0 },
        {
          name: 'order_item_total_non_negative',
          status: quarantined ? 'quarantined' : 'passed',
          failing_rows: quarantined ? 1 : 0,
          ...(quarantined ? { detail: 'order_item_total < 0' } : {}),
        },
      ],
    },
    ...(quarantined ? { quarantine: { key: `silver/_quarantine/${id}/rows.jsonl`, rows: 1 } } : {}),
  };
}

/**
 * A lake folder as the sinks and the transformer leave it: two bronze objects (written a
 * minute apart), one file outside the bronze layout, and two published silver batches, the
 * second with a quarantined row.
 */
export async function writeLake(root: string): Promise<void> {
  const store = openObjectStore(root);
  const base = Date.parse('2025-01-02T10:00:00Z') / 1000;
  for (const [i, key] of BRONZE_KEYS.entries()) {
    const partition = i === 0 ? 1 : 0;
    const offset = i === 0 ? 0 : 42;
    await store.put(key, gzipSync(line(partition, offset) + line(partition, offset + 1)));
    await utimes(join(root, key), base + i * 60, base + i * 60);
  }
  await store.put('bronze/README.txt', Buffer.from('not an object of the bronze layout'));
  await store.put(
    'silver/_batches/00000001.json',
    Buffer.from(JSON.stringify(batchManifest(1, false))),
  );
  await store.put(
    'silver/_batches/00000002.json',
    Buffer.from(JSON.stringify(batchManifest(2, true))),
  );
  await store.put('silver/_batches/notes.json', Buffer.from('{}'));
}

/** A dbt `run_results.json` of a `dbt build` with one warning test. */
export const RUN_RESULTS = {
  metadata: {
    dbt_schema_version: 'https://schemas.getdbt.com/dbt/run-results/v6.json',
    dbt_version: '1.10.13',
    generated_at: '2025-01-02T10:05:00.123456Z',
    invocation_id: '0b6f0e4c-8d5e-4c52-9bf7-0e3c1e9a4f10',
    env: {},
  },
  results: [
    {
      status: 'success',
      unique_id: 'model.lakestream.overall_performance',
      execution_time: 0.41,
      message: 'OK',
    },
    {
      status: 'success',
      unique_id: 'model.lakestream.customer_retention',
      execution_time: 0.3,
      message: 'OK',
    },
    {
      status: 'pass',
      unique_id: 'test.lakestream.unique_overall_performance_month',
      execution_time: 0.05,
      message: null,
    },
    {
      status: 'warn',
      unique_id: 'test.lakestream.source_freshness',
      execution_time: 0.02,
      message: 'Got 1 result, configured to warn if != 0',
    },
  ],
  elapsed_time: 12.75,
  args: { which: 'build', invocation_command: 'dbt build --target duckdb' },
};

/** Writes `RUN_RESULTS` (or other content) as run_results.json. */
export async function writeRunResults(path: string, content: unknown = RUN_RESULTS) {
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
}
