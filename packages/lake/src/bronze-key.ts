/** Prefix of the bronze layer in the lake. */
export const BRONZE_PREFIX = 'bronze/';

/**
 * Digits the start offset is zero-padded to in object names. Kafka offsets are signed 64-bit, at
 * most 19 digits; 20 leaves a margin and makes a plain key listing (GCS and `ls` sort by bytes)
 * list a partition's objects in offset order.
 */
export const OFFSET_DIGITS = 20;

/** The time partition an object falls in: UTC date and hour of its first record's timestamp. */
export interface HourPartition {
  /** `YYYY-MM-DD` (UTC). */
  dt: string;
  /** `00`–`23` (UTC). */
  hour: string;
}

/** The UTC hour partition of a Kafka timestamp (milliseconds since the epoch). */
export function hourPartition(timestampMs: number): HourPartition {
  const iso = new Date(timestampMs).toISOString();
  return { dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/** The hour a timestamp falls in, as a number: equal for two records of the same hour partition. */
export function hourOf(timestampMs: number): number {
  return Math.floor(timestampMs / 3_600_000);
}

/** The start offset as it appears in object names. */
export function padOffset(offset: number): string {
  return String(offset).padStart(OFFSET_DIGITS, '0');
}

/** The folder (prefix) of a topic's bronze objects. */
export function bronzeTopicPrefix(topic: string): string {
  return `${BRONZE_PREFIX}${topic}/`;
}

/**
 * The object key of the bronze object starting at `startOffset`:
 * `bronze/<topic>/dt=YYYY-MM-DD/hour=HH/<topic>+<partition>+<startOffset, 20 digits>.jsonl.gz`,
 * the hour taken from the first record's Kafka timestamp. Deterministic in (topic, partition,
 * start offset) – the record at an offset never changes, nor does its timestamp – so a replay
 * writes the same name.
 */
export function bronzeObjectKey(
  topic: string,
  partition: number,
  startOffset: number,
  firstTimestampMs: number,
): string {
  const { dt, hour } = hourPartition(firstTimestampMs);
  return `${bronzeTopicPrefix(topic)}dt=${dt}/hour=${hour}/${topic}+${partition}+${padOffset(startOffset)}.jsonl.gz`;
}

/** What a bronze object key says. */
export interface BronzeObjectKey extends HourPartition {
  topic: string;
  partition: number;
  startOffset: number;
}

const KEY =
  /^bronze\/([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/([^/]+)\+(\d+)\+(\d+)\.jsonl\.gz$/;

/**
 * Reads a bronze object key back; undefined for a key of another shape (a leftover of another
 * tool, a topic mismatch between folder and name, an offset past what a number holds exactly).
 */
export function parseBronzeObjectKey(key: string): BronzeObjectKey | undefined {
  const match = KEY.exec(key);
  if (!match || match[1] !== match[4]) return undefined;
  const partition = Number(match[5]);
  const startOffset = Number(match[6]);
  if (!Number.isSafeInteger(partition) || !Number.isSafeInteger(startOffset)) return undefined;
  return { topic: match[1]!, dt: match[2]!, hour: match[3]!, partition, startOffset };
}
