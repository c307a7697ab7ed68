// The wiring a source's processes must agree on, whichever way they are deployed (compose or a
// kustomize target): the deployment tests resolve each process's configuration and check it here.
import { CONSUMER_GROUPS, dbTableTopic, TOPICS } from '@lakestream/kafka';
import { expect } from 'vitest';

/** A process's resolved configuration. */
type Config = Record<string, unknown>;

/** The database source: the sink lands the synced tables' topics, and the sync meets the db worker. */
export function expectDbSourceWired(sync: Config, sink: Config, loader: Config): void {
  // The sink lands exactly the synced tables' topics, in its own group, soon after a burst.
  const tables = (sync.dbList as string[]).flatMap((db) =>
    (sync.tableList as string[]).map((table) => dbTableTopic(db, table)),
  );
  expect([...(sink.topics as string[])].sort()).toEqual([...tables].sort());
  expect(sink.groupId).toBe(CONSUMER_GROUPS.bronzeSinkDb);
  expect(sink.idleFlushMs).toBe(500);
  expect(loader.dbGroupId).toBe(CONSUMER_GROUPS.warehouseLoaderDb);
  // The sync announces where the db worker listens, and waits where it confirms.
  expect(sync.batchesTopic).toBe(loader.dbBatchesTopic);
  expect(sync.appliedTopic).toBe(loader.dbAppliedTopic);
}

/** The document sources: the export's profile, the reports topic, and the groups the export waits on. */
export function expectDocumentSourcesWired(exported: Config, sink: Config, loader: Config): void {
  // The profile the command names is in the mounted file, with projects and collections.
  expect((exported.projects as string[]).length).toBeGreaterThan(0);
  expect((exported.collections as string[]).length).toBeGreaterThan(0);
  // The sink lands exactly the reports topic, in its own group, soon after a backfill's burst.
  expect(sink.topics).toEqual([TOPICS.qualityReports]);
  expect(sink.topics).toEqual([loader.qualityReportsTopic]);
  expect(sink.groupId).toBe(CONSUMER_GROUPS.bronzeSinkDocuments);
  expect(sink.idleFlushMs).toBe(500);
  // The export announces where the documents worker listens, and waits on that worker's group.
  expect(loader.documentsGroupId).toBe(CONSUMER_GROUPS.warehouseLoaderDocuments);
  expect(exported.loaderGroup).toBe(loader.documentsGroupId);
  expect(exported.manifestTopic).toBe(loader.bronzeFilesTopic);
  expect(sink.manifestTopic).toBe(loader.bronzeFilesTopic);
}

/**
 * The Eurostat source: the watch announces where the sync worker listens, and the scheduled
 * commands run once per start (a schedule of their own would keep a Job's pod from ever ending).
 */
export function expectEurostatSourceWired(catalog: Config, watch: Config, worker: Config): void {
  expect(watch.updatesTopic).toBe(TOPICS.eurostatUpdates);
  expect(worker.updatesTopic).toBe(watch.updatesTopic);
  expect(worker.syncGroupId).toBe(CONSUMER_GROUPS.eurostatSync);
  expect(catalog.catalogEveryMs).toBeUndefined();
  expect(watch.watchEveryMs).toBeUndefined();
  // One Eurostat, one language and one database for the three.
  for (const key of ['apiBase', 'language', 'databaseUrl']) {
    expect(watch[key], key).toEqual(catalog[key]);
    expect(worker[key], key).toEqual(catalog[key]);
  }
  expect(catalog.keywords).toEqual(expect.arrayContaining([expect.any(String)]));
}
