import { randomUUID } from 'node:crypto';
import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, describe, expect, it } from 'vitest';

/** The stack's emulator, as every test here uses it. */
const bigquery = new BigQuery({
  apiEndpoint: process.env.BIGQUERY_EMULATOR_HOST,
  projectId: process.env.BIGQUERY_PROJECT,
});

describe('BigQuery (goccy/bigquery-emulator)', () => {
  const datasetId = `smoke_${randomUUID().replaceAll('-', '')}`;
  afterAll(async () => {
    await bigquery.dataset(datasetId).delete({ force: true });
  });

  it('creates a table, inserts with DML and reads back with a query', async () => {
    const [dataset] = await bigquery.createDataset(datasetId);
    await dataset.createTable('orders', {
      schema: [
        { name: 'order_id', type: 'INT64', mode: 'REQUIRED' },
        { name: 'city', type: 'STRING' },
      ],
    });
    await bigquery.query(
      `insert into \`${datasetId}.orders\` (order_id, city) values (1, 'México'), (2, 'Japón')`,
    );
    const [rows] = await bigquery.query(
      `select order_id, city from \`${datasetId}.orders\` order by order_id`,
    );
    expect(rows).toEqual([
      { order_id: 1, city: 'México' },
      { order_id: 2, city: 'Japón' },
    ]);
  });
});

// The emulator is built with a patch that writes `=` (INT64, STRING) and AND as SQLite's own
// operators so that joins can be indexed (tools/bigquery-emulator/patches); the answers must stay
// BigQuery's.
describe('BigQuery emulator: = and AND keep BigQuery’s answers', () => {
  const datasetId = `joins_${randomUUID().replaceAll('-', '')}`;
  afterAll(async () => {
    await bigquery.dataset(datasetId).delete({ force: true });
  });

  it('three-valued AND, NULL and case in =, and mixed numeric types', async () => {
    const [rows] = await bigquery.query(`
      select
        cast(null as bool) and false as null_and_false,
        cast(null as bool) and true as null_and_true,
        true and true and true as all_true,
        false and cast(null as bool) as false_and_null,
        cast(null as int64) = 1 as null_eq,
        'Japón' = 'Japón' as same_text,
        'ab' = 'aB' as case_differs,
        1 = 1.0 as int_eq_float,
        cast(7 as string) = '7' as cast_eq_literal`);
    expect(rows).toEqual([
      {
        null_and_false: false,
        null_and_true: null,
        all_true: true,
        false_and_null: false,
        null_eq: null,
        same_text: true,
        case_differs: false,
        int_eq_float: true,
        cast_eq_literal: true,
      },
    ]);
  });

  it('joins on INT64 and STRING keys, inner, left and with two conditions', async () => {
    await bigquery.createDataset(datasetId);
    // a: keys 1..5000; b: keys 0..4999 with every 10th name in capitals and a NULL key.
    await bigquery.query(`create table \`${datasetId}.a\` as
      select x as id, concat('n', cast(x as string)) as name from unnest(generate_array(1, 5000)) as x`);
    await bigquery.query(`create table \`${datasetId}.b\` as
      select if(x = 4999, null, mod(x, 5000)) as id,
             if(mod(x, 10) = 0, concat('N', cast(x as string)), concat('n', cast(x as string))) as name
      from unnest(generate_array(0, 4999)) as x`);
    const [[counts]] = await bigquery.query(`
      select
        (select count(*) from \`${datasetId}.a\` as a join \`${datasetId}.b\` as b on a.id = b.id) as by_id,
        (select count(*) from \`${datasetId}.a\` as a join \`${datasetId}.b\` as b on a.name = b.name) as by_name,
        (select count(*) from \`${datasetId}.a\` as a join \`${datasetId}.b\` as b
           on a.id = b.id and a.name = b.name) as by_both,
        (select count(*) from \`${datasetId}.a\` as a left join \`${datasetId}.b\` as b on a.id = b.id
           where b.id is null) as a_without_b`);
    // ids 1..4998 match (4999 is NULL in b, 5000 absent); names 1..4999 match where not
    // capitalised: 4999 − 499 multiples of 10 = 4500, of which 4999 has a NULL id in b.
    expect(counts).toEqual({ by_id: 4998, by_name: 4500, by_both: 4499, a_without_b: 2 });
  });

  it('MERGE updates the matched rows and inserts the others, once each', async () => {
    await bigquery.query(`create table \`${datasetId}.target\` as
      select x as id, 'old' as v from unnest(generate_array(1, 3000)) as x`);
    await bigquery.query(`create table \`${datasetId}.source\` as
      select x as id, 'new' as v from unnest(generate_array(2001, 4000)) as x`);
    await bigquery.query(`merge \`${datasetId}.target\` as T using \`${datasetId}.source\` as S
      on T.id = S.id and S.id != 2500
      when matched then update set v = S.v
      when not matched then insert (id, v) values (S.id, S.v)`);
    const [rows] = await bigquery.query(`select v, count(*) as n, count(distinct id) as ids,
      min(id) as low, max(id) as high from \`${datasetId}.target\` group by v order by v`);
    // Old: 1..2000 and 2500 (excluded from the match). New: 2001..3000 but 2500 updated (999),
    // 3001..4000 inserted, and source 2500 inserted as a second row with that id (1,001).
    expect(rows).toEqual([
      { v: 'new', n: 2000, ids: 2000, low: 2001, high: 4000 },
      { v: 'old', n: 2001, ids: 2001, low: 1, high: 2500 },
    ]);
  });
});
