import { BRONZE_PREFIX, type BronzeObjectKey, parseBronzeObjectKey } from '@lakestream/lake';
import type { ObjectInfo, ObjectStore } from '@lakestream/object-store';

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
  parsed: BronzeObjectKey;
}

/** Newer first: by write time when the store has it, then by record hour, then by key. */
function isNewer(a: Candidate, b: Candidate): boolean {
  const at = a.info.updated?.getTime() ?? 0;
  const bt = b.info.updated?.getTime() ?? 0;
  if (at !== bt) return at > bt;
  const ah = `${a.parsed.dt}T${a.parsed.hour}`;
  const bh = `${b.parsed.dt}T${b.parsed.hour}`;
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
      const parsed = parseBronzeObjectKey(info.key);
      if (parsed === undefined) continue;
      objects += 1;
      bytes += info.size;
      const candidate = { info, parsed };
      if (newest === undefined || isNewer(candidate, newest)) newest = candidate;
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { state: 'unavailable', reason: `object store unavailable: ${reason}` };
  }
  if (newest === undefined) {
    return { state: 'none', reason: `no bronze object in ${store.location} yet` };
  }
  const { info, parsed } = newest;
  return {
    state: 'ok',
    objects,
    bytes,
    latest: {
      key: info.key,
      uri: store.uri(info.key),
      bytes: info.size,
      written_at: info.updated?.toISOString() ?? null,
      topic: parsed.topic,
      partition: parsed.partition,
      start_offset: parsed.startOffset,
      hour: `${parsed.dt}T${parsed.hour}:00Z`,
    },
  };
}
