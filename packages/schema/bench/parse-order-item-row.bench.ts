/**
 * Throughput of parseOrderItemRow on realistic rows, printed beside JSON.parse of the resulting
 * events (what every consumer pays per message) as an in-process reference.
 *
 *   pnpm --filter @lakestream/schema bench
 */
import { parseOrderItemRow, serializeOrderItemEvent } from '../src/index.js';
import { VALID_FIELDS } from '../test/order-item-fixture.js';

const DISTINCT_ROWS = 1_000;
const ROUNDS = 5;
const ROWS_PER_ROUND = 500_000;

// Vary ids, money and dates so caches and branch predictors see something like a real file.
const rows: string[][] = [];
for (let i = 0; i < DISTINCT_ROWS; i++) {
  const fields = [...VALID_FIELDS];
  fields[33] = String(180_000 + i); // Order Item Id
  fields[29] = String(77_000 + Math.floor(i / 3)); // Order Id
  fields[28] = `1/${(Math.floor(i / 3) % 28) + 1}/2018 ${i % 24}:${String(i % 60).padStart(2, '0')}`;
  fields[37] = `${(i * 7.31).toFixed(2)}`; // Sales
  rows.push(fields);
}
const context = { file: 'bench.csv', row: 0, ingestedAt: '2024-01-01T00:00:00.000Z' };
const json = rows.map((fields) => {
  const result = parseOrderItemRow(fields, context);
  if (!result.ok) throw new Error('bench fixture does not parse');
  return serializeOrderItemEvent(result.event);
});

function measure(label: string, perRow: (i: number) => unknown): void {
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < ROWS_PER_ROUND; i++) perRow(i % DISTINCT_ROWS);
    const rowsPerSecond = ROWS_PER_ROUND / ((performance.now() - start) / 1000);
    best = Math.max(best, rowsPerSecond);
  }
  console.log(
    `${label.padEnd(40)} ${Math.round(best).toLocaleString('en-US').padStart(12)} rows/s`,
  );
}

measure('parseOrderItemRow (53 fields → event)', (i) => {
  context.row = i + 1;
  return parseOrderItemRow(rows[i]!, context);
});
measure('reference: JSON.parse(event JSON)', (i) => JSON.parse(json[i]!));
