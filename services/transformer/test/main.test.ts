import { topicEnds, waitForCommitted } from '@lakestream/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { eventRecords, generateEvents, writeBronze } from './support/bronze-fixtures.js';
import { publishedManifests } from './support/silver-reader.js';
import { TestBed, type TestStore } from './support/test-bed.js';
import { TransformerProcess } from './support/transformer-process.js';

let bed: TestBed;
const processes: TransformerProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) p.kill('SIGKILL');
  await bed?.cleanup();
});

const START = Date.UTC(2025, 0, 1, 10, 0);

function env(
  lake: TestStore,
  work: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
    LOG_LEVEL: 'info',
    METRICS_PORT: '0',
    SHUTDOWN_GRACE: '20s',
    TRANSFORMER_STORAGE_URL: lake.url,
    TRANSFORMER_SOURCE_TOPIC: bed.sourceTopic,
    TRANSFORMER_MANIFEST_TOPIC: bed.manifestTopic,
    TRANSFORMER_ANNOUNCE_TOPIC: bed.announceTopic,
    TRANSFORMER_BRONZE_GROUP_ID: bed.bronzeGroupId,
    TRANSFORMER_GROUP_ID: bed.groupId,
    TRANSFORMER_WORK_DIR: work,
    TRANSFORMER_DUCKDB_THREADS: '2',
    ...extra,
  };
}

function start(args: string[], environment: Record<string, string>): TransformerProcess {
  const child = new TransformerProcess(args, environment);
  processes.push(child);
  return child;
}

describe('the transformer command', () => {
  it('run: publishes one batch with a one-line summary, then finds nothing new; bad usage exits 2', async () => {
    bed = new TestBed();
    await bed.createTopics();
    const lake = await bed.localStore();
    const work = await bed.tempDir();
    const manifests = await writeBronze(
      lake.store,
      bed.sourceTopic,
      eventRecords(generateEvents(400, 31), { partitions: 3, startMs: START }),
      { objectRecords: 100 },
    );
    await bed.produceManifests(manifests);
    const objects = manifests.length;

    const first = start(['run'], env(lake, work));
    expect(await first.exitWithin(60_000)).toEqual({ code: 0, signal: null });
    // stdout holds the summary alone; the JSON logs went to stderr.
    expect(first.stdout).toHaveLength(1);
    expect(first.stdout[0]).toMatch(
      new RegExp(
        `^batch 00000001: ${objects} objects; records in 400, out 400, rejected 0, superseded 0; rows: dim_customer \\d+, dim_product \\d+, dim_geography \\d+, dim_date \\d+, fct_order_items 400; quality passed; [\\d.]+ s$`,
      ),
    );
    expect(first.json('stderr').some((line) => line.msg === 'batch published')).toBe(true);

    const second = start(['run', '--discover', 'manifests'], env(lake, work));
    expect(await second.exitWithin(60_000)).toEqual({ code: 0, signal: null });
    expect(second.stdout[0]).toContain(
      `nothing new to transform (${objects} committed bronze objects found by manifests, all processed)`,
    );
    expect(await publishedManifests(lake.store)).toHaveLength(1);

    const wrong = start(['run', '--every', 'soon'], env(lake, work));
    expect(await wrong.exitWithin(30_000)).toEqual({ code: 2, signal: null });
    expect(wrong.stderr.join('\n')).toContain('--every expects a duration');
    const badEnv = start(['run'], env(lake, work, { TRANSFORMER_MAX_OBJECT: '3' }));
    expect(await badEnv.exitWithin(30_000)).toEqual({ code: 2, signal: null });
    expect(badEnv.stderr.join('\n')).toContain('did you mean TRANSFORMER_MAX_OBJECTS?');
  });

  it('worker: a batch after new manifests arrive, offsets committed after publication, clean exit on SIGTERM', async () => {
    bed = new TestBed();
    await bed.createTopics();
    const lake = await bed.localStore();
    const work = await bed.tempDir();
    const events = generateEvents(600, 32);
    const next = new Map<number, number>();
    const worker = start(['worker'], env(lake, work, { TRANSFORMER_DEBOUNCE: '300ms' }));
    // Nothing yet: the first (catch-up) batch finds nothing.
    await worker.waitForLine((line) => line.startsWith('nothing new to transform'), 60_000);

    await bed.produceManifests(
      await writeBronze(
        lake.store,
        bed.sourceTopic,
        eventRecords(events.slice(0, 300), { partitions: 3, startMs: START }),
        {
          next,
        },
      ),
    );
    await worker.waitForLine((line) => line.startsWith('batch 00000001:'), 60_000);
    // As the sink writes them: each in a transaction, whose commit marker takes an offset.
    await bed.produceManifestsTransactionally(
      await writeBronze(
        lake.store,
        bed.sourceTopic,
        eventRecords(events.slice(300), { partitions: 3, startMs: START + 60_000 }),
        { next },
      ),
    );
    const line = await worker.waitForLine((l) => l.startsWith('batch 00000002:'), 60_000);
    expect(line).toContain('records in 300, out 300');
    // A transaction aborted last on its partition (its object never landed in this lake):
    // nothing to transform, but its manifest and marker take offsets the group must get past.
    const elsewhere = await bed.localStore();
    await bed.produceManifestsTransactionally(
      await writeBronze(
        elsewhere.store,
        bed.sourceTopic,
        eventRecords(generateEvents(30, 33), { partitions: 1, startMs: START + 120_000 }),
        { next: new Map() },
      ),
      () => true,
    );

    // The worker's group commits past every manifest, and past the transactions' markers and
    // aborted manifests: caught up means no lag.
    const admin = bed.kafka.admin();
    await admin.connect();
    try {
      const behind = await waitForCommitted(admin, {
        groupId: bed.groupId,
        topic: bed.manifestTopic,
        targets: await topicEnds(admin, bed.manifestTopic),
        timeoutMs: 30_000,
        pollMs: 200,
      });
      expect(behind).toEqual([]);
    } finally {
      await admin.disconnect();
    }

    worker.kill('SIGTERM');
    expect(await worker.exitWithin(30_000)).toEqual({ code: 0, signal: null });
    const logs = worker.json('stdout');
    const hooks = logs.filter((l) => l.msg === 'shutdown hook done').map((l) => l.hook);
    expect(hooks).toEqual([
      'abort start-up',
      'stop intake',
      'finish the batch in flight',
      'commit offsets',
      'close kafka clients',
      'close health server',
    ]);
    expect(await publishedManifests(lake.store)).toHaveLength(2);
  });
});
