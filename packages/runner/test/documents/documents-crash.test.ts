// The quality-report path across crashes, on real processes: the documents bronze sink killed
// (SIGKILL, its own fault point) after writing an object and before announcing it, and the
// loader's documents worker killed with every MERGE done and no manifest offset committed. After
// each restart every published insert_id is in reports.quality_stream exactly once, and a
// re-applied manifest leaves the rows as they were (load_ts included).
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { readTopicToEnd } from '@lakestream/kafka';
import { type QualityReport, QualityReportSchema } from '@lakestream/lake';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Background, startBackground } from '../db-sync/pipeline.js';
import {
  documentNames,
  documentsEnv,
  documentsHome,
  ensureDocumentTopics,
  firestoreSource,
  queryWarehouse,
  testKafka,
} from './pipeline.js';

const id = randomUUID().slice(0, 6);
const names = documentNames('doccrash', id);
const REPORTS = 40;

let home: string;
let env: NodeJS.ProcessEnv;
let kafka: Kafka;
let sink: Background | undefined;
let loader: Background | undefined;

const startSink = (faultPoints?: string) =>
  startBackground(
    'bronze-sink-documents',
    'bronze-sink',
    [],
    faultPoints ? { ...env, LAKESTREAM_FAULT_POINTS: faultPoints } : env,
    home,
  );
const startLoader = () =>
  startBackground(
    'warehouse-loader-documents',
    'warehouse-loader',
    ['documents-worker'],
    env,
    home,
  );

/** The rows of the published reports, one per line of the table (a duplicate shows twice). */
function table(published: QualityReport[]) {
  return queryWarehouse(
    home,
    `SELECT insert_id, source, overall_score, load_ts::VARCHAR AS load_ts
       FROM reports.quality_stream
      WHERE insert_id IN (${published.map((r) => `'${r.insert_id}'`).join(',')})
      ORDER BY insert_id`,
  );
}

/** Per manifest partition, the offset just past its last manifest. */
async function manifestEnds(): Promise<Map<number, number>> {
  const ends = new Map<number, number>();
  const records = await readTopicToEnd(kafka, names.files, {
    groupIdPrefix: `doccrash-${id}-ends`,
    timeoutMs: 30_000,
  });
  for (const r of records) {
    ends.set(r.partition, Math.max(ends.get(r.partition) ?? 0, Number(r.offset) + 1));
  }
  return ends;
}

/** Resolves once the loader group's committed offsets are past every manifest in `ends`. */
async function loaderCaughtUp(ends: Map<number, number>): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await vi.waitFor(
      async () => {
        const [committed] = await admin.fetchOffsets({
          groupId: names.loaderGroup,
          topics: [names.files],
        });
        for (const [partition, end] of ends) {
          const at = committed?.partitions.find((p) => p.partition === partition)?.offset;
          if (Number(at ?? -1) < end) throw new Error(`partition ${partition}: ${at} < ${end}`);
        }
      },
      { timeout: 60_000, interval: 300 },
    );
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  home = await documentsHome('doccrash');
  env = {
    ...documentsEnv(home, names),
    // A killed member leaves the group after this, not after the default 30 s.
    BRONZE_SINK_SESSION_TIMEOUT: '6s',
    BRONZE_SINK_HEARTBEAT_INTERVAL: '1s',
    WAREHOUSE_LOADER_SESSION_TIMEOUT: '6s',
  };
  kafka = testKafka(`doccrash-${id}`);
  await ensureDocumentTopics(kafka, names);
}, 60_000);

afterAll(async () => {
  await Promise.all([sink?.stop(), loader?.stop()]);
  if (home) await rm(home, { recursive: true, force: true });
}, 60_000);

describe('quality reports across crashes', () => {
  let published: QualityReport[];
  let settled: Record<string, unknown>[];

  it('a bronze sink killed between writing an object and announcing it loses and doubles no report', async () => {
    const crashing = startSink('bronze-sink.after-put');
    const crashed = once(crashing.child, 'exit');
    loader = startLoader();
    const events = await firestoreSource(
      ['quality-events', '--count', String(REPORTS), '--seed', '11', '--topic', names.reports],
      env,
      home,
    );
    expect(events.code, events.stderrTail.join('\n')).toBe(0);
    expect((await crashed)[1]).toBe('SIGKILL');
    sink = startSink();

    published = (
      await readTopicToEnd(kafka, names.reports, {
        groupIdPrefix: `doccrash-${id}-read`,
        timeoutMs: 30_000,
      })
    ).map((r) => QualityReportSchema.parse(JSON.parse(r.value!.toString())));
    expect(published).toHaveLength(REPORTS);
    await vi.waitFor(
      async () => expect((await table(published)).length).toBeGreaterThanOrEqual(REPORTS),
      { timeout: 60_000, interval: 500 },
    );
    await loaderCaughtUp(await manifestEnds());
    settled = await table(published);
    expect(settled.map((r) => [r.insert_id, r.source, r.overall_score])).toEqual(
      [...published]
        .sort((a, b) => (a.insert_id < b.insert_id ? -1 : 1))
        .map((r) => [r.insert_id, r.source, r.overall_score]),
    );
  }, 90_000);

  it('a documents worker killed after its MERGEs, before committing their manifests, re-applies them to the same rows', async () => {
    expect(settled, 'needs the rows of the test before').toBeDefined();
    await loader!.stop('SIGKILL');
    // The crash window: the warehouse holds every MERGE, the group has committed none of them.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await vi.waitFor(
        () =>
          admin.resetOffsets({ groupId: names.loaderGroup, topic: names.files, earliest: true }),
        { timeout: 30_000, interval: 500 },
      );
    } finally {
      await admin.disconnect();
    }
    loader = startLoader();
    await loaderCaughtUp(await manifestEnds());
    expect(await table(published)).toEqual(settled);
  }, 90_000);
});
