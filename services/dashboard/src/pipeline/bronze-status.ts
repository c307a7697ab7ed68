import type { ObjectInfo, ObjectStore } from '@lakestream/object-store';

/** Prefix of the bronze layer in the lake. */
export const BRONZE_PREFIX = 'bronze/';

// bronze/<topic>/dt=YYYY-MM-DD/hour=HH/<topic>+<partition>+<startOffset>.jsonl.gz
const BRONZE_KEY =
  /^bronze\/([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/[^/]+\+(\d+)\+(\d+)\.jsonl\.gz$/;

/** The newest bronze object, as the bronze-health panel shows it. */
export interface BronzeObject {
  key: string;
  uri: string;
  bytes: number;
  /** When the store last wrote it (ISO), if it knows. */
  written_at: string | null;
  topic: string;
  partition: number;
  start_offset: number;
  /** The UTC hour of its first record's Kafka timestamp, `YYYY-MM-DDTHH:00Z`. */
  hour: string;
}

/** The bronze panel's data. */
export type BronzeStatus =
  | { state: 'ok'; objects: number; bytes: number; latest: BronzeObject }
  | { state: 'none'; reason: string }
  | { state: 'unavailable'; reason: string };

interface Candidate {
  info: ObjectInfo;
  match: RegExpExecArray;
}

/** Newer first: by write time when the store has it, then by record hour, then by key. */
function isNewer(a: Candidate, b: Candidate): boolean {
  const at = a.info.updated?.getTime() ?? 0;
  const bt = b.info.updated?.getTime() ?? 0;
  if (at !== bt) return at > bt;
  const ah = `${a.match[2]}T${a.match[3]}`;
  const bh = `${b.match[2]}T${b.match[3]}`;
  if (ah !== bh) return ah > bh;
  return a.info.key > b.info.key;
}

/**
 * The newest object of the bronze layer, from a listing of `bronze/` (only keys of the bronze
 * layout count). A listing can show an uncommitted leftover of a crashed sink until the sink
 * removes it; for a health panel that is good enough, and it needs no Kafka.
 */
export async function readBronzeStatus(store: ObjectStore): Promise<BronzeStatus> {
  let newest: Candidate | undefined;
  let objects = 0;
  let bytes = 0;
  try {
    for await (const info of store.list(BRONZE_PREFIX)) {
      const match = BRONZE_KEY.exec(info.key);
      if (match === null) continue;
      objects += 1;
      bytes += info.size;
      const candidate = { info, match };
      if (newest === undefined || isNewer(candidate, newest)) newest = candidate;
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { state: 'unavailable', reason: `object store unavailable: ${reason}` };
  }
  if (newest === undefined) {
    return { state: 'none', reason: `no bronze object in ${store.location} yet` };
  }
  const { info, match } = newest;
  return {
    state: 'ok',
    objects,
    bytes,
    latest: {
      key: info.key,
      uri: store.uri(info.key),
      bytes: info.size,
      written_at: info.updated?.toISOString() ?? null,
      topic: match[1]!,
      partition: Number(match[4]),
      start_offset: Number(match[5]),
      hour: `${match[2]}T${match[3]}:00Z`,
    },
  };
}
