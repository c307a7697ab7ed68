import { randomUUID } from 'node:crypto';
import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, describe, expect, it } from 'vitest';

describe('BigQuery (goccy/bigquery-emulator)', () => {
  const bigquery = new BigQuery({
    apiEndpoint: process.env.BIGQUERY_EMULATOR_HOST,
    projectId: process.env.BIGQUERY_PROJECT,
  });
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
