/** The topics of the pipeline: contracts other tools read, so never rename one in place. */
export const TOPICS = {
  /** Validated order-item events (OrderItemEvent JSON), keyed by Order Id. */
  orderItems: 'lakestream.order_items.v1',
  /** Rows the producer rejected, with the raw line, file, row and every reason. */
  orderItemsDlq: 'lakestream.order_items.dlq.v1',
  /** One manifest per bronze object made durable by the bronze sink. */
  bronzeFiles: 'lakestream.bronze.files.v1',
  /** One announcement per silver batch published by the transformer. */
  silverBatches: 'lakestream.silver.batches.v1',
  /**
   * One confirmation per silver batch the warehouse loader's worker has made durable
   * (`SilverApplied`, packages/silver), keyed by batch id: the trigger of the gold refresh.
   */
  silverApplied: 'lakestream.silver.applied.v1',
  /**
   * One announcement per database table synced by a db-sync run (`DbSyncBatch`, packages/lake),
   * keyed by `<database>.<table>`: the rows are on the table's own topic (`dbTableTopic`) and in
   * bronze; the announcement says which offsets belong to the run and how to write them.
   */
  dbSyncBatches: 'lakestream.db.sync-batches.v1',
  /** One confirmation per sync batch the warehouse has made durable (`DbSyncApplied`). */
  dbSyncApplied: 'lakestream.db.sync-applied.v1',
  /**
   * Firestore quality reports (`QualityReport`, packages/lake), keyed by `insert_id`: the live
   * stream's events and a managed-export backfill's documents, told apart by their `source`.
   */
  qualityReports: 'lakestream.quality_reports.v1',
  /**
   * Dead letters of the document sources (`DeadLetterRecord`): managed-export records that are
   * damaged, of an unknown property type, or outside the expected document path (an `export`
   * source); and bronze manifests the warehouse loader's documents worker can never apply
   * (component `warehouse-loader`, `LS_LOADER_DOCUMENTS_INVALID`, a `topic` source naming the
   * manifest's position, keyed `<topic>+<partition>+<offset>`), written before its group commits
   * past them.
   */
  firestoreQuarantine: 'lakestream.firestore.quarantine.v1',
  /**
   * One event per watched Eurostat dataset version not loaded yet (`EurostatUpdateEvent`,
   * packages/lake), keyed by the dataset code: from the update feed, the catalogue or `sync`.
   */
  eurostatUpdates: 'lakestream.eurostat.updates.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/**
 * The consumer groups of the pipeline, beside the topics they read: a group's committed offsets are
 * what its stage has made durable, so operators and the runner read them as progress.
 */
export const CONSUMER_GROUPS = {
  /** Bronze sink on the order-item topic; its offsets commit with each object's manifest. */
  bronzeSink: 'lakestream-bronze-sink',
  /** Audit sink on the order-item topic; offsets commit after the PostgreSQL transaction. */
  auditSink: 'lakestream-audit-sink',
  /** Transformer worker on the bronze manifest topic (a trigger only). */
  transformer: 'lakestream-transformer',
  /** Warehouse loader worker on the silver batch topic (a trigger only). */
  warehouseLoader: 'lakestream-warehouse-loader',
  /** Gold refresh (`runner live`) on the silver confirmations; offsets commit after dbt's run. */
  goldRefresh: 'lakestream-gold-refresh',
  /** Bronze sink on the database table topics (its own group: the topic list grows with tables). */
  bronzeSinkDb: 'lakestream-bronze-sink-db',
  /** Warehouse loader on the db sync batch topic; offsets commit after the batch is applied. */
  warehouseLoaderDb: 'lakestream-warehouse-loader-db',
  /** Bronze sink on the document topics (quality reports); its own group and topic list. */
  bronzeSinkDocuments: 'lakestream-bronze-sink-documents',
  /**
   * Warehouse loader on the bronze manifest topic for document data: Firestore snapshots (file
   * manifests) and quality-report objects; offsets commit after the warehouse write, so the
   * group's committed offset is how far the warehouse has applied the manifests.
   */
  warehouseLoaderDocuments: 'lakestream-warehouse-loader-documents',
  /** Eurostat sync worker on the update topic; offsets commit after the version is loaded. */
  eurostatSync: 'lakestream-eurostat-source-sync',
} as const;

/**
 * What Kafka accepts as a topic name, in the form `envVar.string()` takes, so every service's
 * config rejects a bad name with the same message: `envVar.string(TOPIC_NAME)`.
 */
export const TOPIC_NAME = {
  pattern: /^[A-Za-z0-9._-]{1,249}$/,
  expected: 'a Kafka topic name',
};

/**
 * How each contract topic is created, wherever it is first needed (producer, sinks, workers): one
 * definition so that whichever process wins the race creates the same topic.
 */
export const TOPIC_CONFIGS: Readonly<
  Record<TopicName, { numPartitions: number; configEntries: Record<string, string> }>
> = {
  // LogAppendTime: the broker stamps each record when it appends it, so a record's timestamp
  // grows with its offset inside a partition and compares across partitions – the "later version
  // wins" rule orders an order item's versions by it even if its key moves partition.
  [TOPICS.orderItems]: {
    numPartitions: 3,
    configEntries: { 'message.timestamp.type': 'LogAppendTime' },
  },
  [TOPICS.orderItemsDlq]: { numPartitions: 3, configEntries: {} },
  // The manifests are the index of the bronze layer: kept for good.
  [TOPICS.bronzeFiles]: { numPartitions: 3, configEntries: { 'retention.ms': '-1' } },
  // One partition: batches are announced in sequence.
  [TOPICS.silverBatches]: { numPartitions: 1, configEntries: {} },
  [TOPICS.silverApplied]: { numPartitions: 1, configEntries: {} },
  // One partition: a table's batches must be applied in the order they were read. Kept for good,
  // like the manifests: they say which offsets of a table topic belong to which run.
  [TOPICS.dbSyncBatches]: { numPartitions: 1, configEntries: { 'retention.ms': '-1' } },
  [TOPICS.dbSyncApplied]: { numPartitions: 1, configEntries: {} },
  [TOPICS.qualityReports]: { numPartitions: 3, configEntries: {} },
  [TOPICS.firestoreQuarantine]: { numPartitions: 1, configEntries: {} },
  // Keyed by dataset code, so a dataset's versions are loaded in the order announced. Kept for
  // good: the topic is the history of which versions were announced and why.
  [TOPICS.eurostatUpdates]: { numPartitions: 3, configEntries: { 'retention.ms': '-1' } },
};

/** Prefix of every database table topic: `lakestream.db.<database>.<table>.v1`. */
export const DB_TABLE_TOPIC_PREFIX = 'lakestream.db.';

/** How a database table topic is created: keyed by primary key, so a row's versions stay in order. */
export const DB_TABLE_TOPIC_CONFIG = { numPartitions: 3, configEntries: {} } as const;

const DB_NAME_PART = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The topic a table's rows are published to: `lakestream.db.<database>.<table>.v1`. Kafka topic
 * names allow only `[A-Za-z0-9._-]`, and a dot inside a name would make two tables share a topic
 * (`a.b`+`c` and `a`+`b.c`), so a database or table name outside `[A-Za-z0-9_-]` is refused.
 */
export function dbTableTopic(database: string, table: string): string {
  for (const [what, name] of [
    ['database', database],
    ['table', table],
  ] as const) {
    if (!DB_NAME_PART.test(name)) {
      throw new RangeError(
        `${what} name '${name}' cannot be part of a Kafka topic name (allowed: letters, digits, _ and -, at most 64)`,
      );
    }
  }
  return `${DB_TABLE_TOPIC_PREFIX}${database}.${table}.v1`;
}

/** The spec a database table topic is created with. */
export function dbTableTopicSpec(database: string, table: string) {
  return {
    topic: dbTableTopic(database, table),
    numPartitions: DB_TABLE_TOPIC_CONFIG.numPartitions,
    configEntries: { ...DB_TABLE_TOPIC_CONFIG.configEntries },
  };
}

/**
 * The spec to create `name` with, when it plays the part of the contract topic `role` (tests and
 * other environments rename topics; the settings stay the contract's).
 */
export function topicSpec(role: TopicName, name: string = role) {
  const { numPartitions, configEntries } = TOPIC_CONFIGS[role];
  return { topic: name, numPartitions, configEntries: { ...configEntries } };
}
