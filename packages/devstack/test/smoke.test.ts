import { randomUUID } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

// These run against the real services the global set-up made available.
const env = process.env;

describe('Kafka (real broker)', () => {
  const kafka = new Kafka({
    clientId: 'smoke',
    brokers: env.KAFKA_BROKERS!.split(','),
    logLevel: logLevel.NOTHING,
  });

  it('creates a topic, produces and consumes every message in order', async () => {
    const topic = `smoke-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = Array.from({ length: 100 }, (_, i) => ({
      key: `k${i % 7}`,
      value: `message ${i} – México`,
    }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            received.push(message.value!.toString());
            if (received.length === sent.length) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(received).toEqual(sent.map((m) => m.value));
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });
});

describe('PostgreSQL (real server)', () => {
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL });
  const table = `smoke_${randomUUID().replaceAll('-', '')}`;
  afterAll(async () => {
    await pool.query(`drop table if exists ${table}`);
    await pool.end();
  });

  it('round-trips rows in a transaction, and a rolled-back transaction leaves nothing', async () => {
    await pool.query(`create table ${table} (id int primary key, city text, payload jsonb)`);
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query(
        `insert into ${table} values (1, 'Japón', '{"a":1}'), (2, 'Rajastán', '{"a":2}')`,
      );
      await client.query('commit');
      await client.query('begin');
      await client.query(`insert into ${table} values (3, 'lost', null)`);
      await client.query('rollback');
    } finally {
      client.release();
    }
    const { rows } = await pool.query(`select id, city, payload from ${table} order by id`);
    expect(rows).toEqual([
      { id: 1, city: 'Japón', payload: { a: 1 } },
      { id: 2, city: 'Rajastán', payload: { a: 2 } },
    ]);
  });
});

describe('Cloud Storage (fake-gcs-server)', () => {
  it('writes, lists and reads back an object through @google-cloud/storage', async () => {
    const storage = emulatorStorage(env.STORAGE_EMULATOR_HOST!);
    const bucket = storage.bucket(`smoke-${randomUUID()}`);
    await bucket.create();
    const body = Buffer.from('{"city":"México"}\n', 'utf8');
    await bucket.file('bronze/dt=2018-01-31/a.jsonl').save(body, { resumable: false });
    const [files] = await bucket.getFiles({ prefix: 'bronze/' });
    expect(files.map((f) => f.name)).toEqual(['bronze/dt=2018-01-31/a.jsonl']);
    const [read] = await bucket.file('bronze/dt=2018-01-31/a.jsonl').download();
    expect(read.equals(body)).toBe(true);
    await bucket.deleteFiles();
    await bucket.delete();
  });
});

/**
 * @google-cloud/storage reads STORAGE_EMULATOR_HOST itself, as the JSON API base (…/storage/v1),
 * while uploads go to `apiEndpoint`/upload/…: the usual `http://host:port` form breaks one of the
 * two. Give each the form it needs.
 */
function emulatorStorage(host: string): Storage {
  const origin = new URL(host.includes('://') ? host : `http://${host}`).origin;
  process.env.STORAGE_EMULATOR_HOST = `${origin}/storage/v1`;
  try {
    return new Storage({ apiEndpoint: origin, projectId: 'lakestream-local' });
  } finally {
    process.env.STORAGE_EMULATOR_HOST = host;
  }
}
