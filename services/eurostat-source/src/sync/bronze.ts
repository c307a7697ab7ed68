/**
 * Lands a dataset version's raw answer in bronze: gzip, at the contract's key
 * `bronze/eurostat/<code>/<YYYYMMDDTHHMMSSZ>.json.gz`. The key is a function of (code, update
 * time), so landing the same version again replaces the object with the same bytes. Then announces
 * the object on the bronze manifest topic (`lakestream.bronze.files.v1`) as every bronze object
 * is, with a file manifest keyed `file+eurostat+<code>`.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { resolveLakestreamHome } from '@lakestream/config';
import {
  bronzeFileManifestKey,
  type EurostatFileManifest,
  EurostatFileManifestSchema,
  eurostatBronzeKey,
} from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import type { Producer } from 'kafkajs';
import { EurostatError } from '../errors.js';

/** The store URL in effect: EUROSTAT_STORAGE_URL, else `<LAKESTREAM_HOME>/lake`. */
export function storageUrlOf(config: {
  storageUrl?: string | undefined;
  lakestreamHome: string;
}): string {
  return config.storageUrl ?? join(resolveLakestreamHome(config.lakestreamHome), 'lake');
}

/** A raw answer put in bronze. */
export interface Landed {
  key: string;
  /** The object's absolute URI. */
  uri: string;
  /** Size of the gzip object, and of the answer's text. */
  bytes: number;
  uncompressedBytes: number;
}

/** Gzips `file` (streamed) and puts it at the version's bronze key. */
export async function landInBronze(
  store: ObjectStore,
  code: string,
  updateTime: string,
  file: string,
): Promise<Landed> {
  const key = eurostatBronzeKey(code, updateTime);
  const gz = `${file}.gz`;
  try {
    await pipeline(createReadStream(file), createGzip({ level: 6 }), createWriteStream(gz));
    // The store's put takes the whole object: the compressed answer, a fraction of the text.
    const body = await readFile(gz);
    await store.put(key, body, { contentType: 'application/gzip' });
    const { size } = await stat(file);
    return { key, uri: store.uri(key), bytes: body.length, uncompressedBytes: size };
  } catch (err) {
    throw new EurostatError(
      'LS_EUROSTAT_BRONZE_FAILED',
      `landing ${file} at ${store.uri(key)}: ${(err as Error).message}`,
      { cause: err, retryable: (err as { retryable?: boolean }).retryable ?? true },
    );
  } finally {
    await rm(gz, { force: true });
  }
}

/** Where and as whom the landed answers are announced. */
export interface Announcer {
  /** Idempotent, connected. */
  producer: Producer;
  /** The bronze manifest topic (EUROSTAT_MANIFEST_TOPIC). */
  topic: string;
  /** `eurostat-source@<host>`. */
  writer: string;
}

/** What the sync knows of a landed version. */
export interface LandedVersion {
  code: string;
  /** UTC ISO (`2024-05-01T09:00:00Z`). */
  updateTime: string;
  /** The data request the answer came from. */
  url: string;
  /** Observed cells (a value, or a status only). */
  cells: number;
  landed: Landed;
}

/** The version's file manifest; throws if it is not one of the contract (a bug, not data). */
export function eurostatFileManifest(
  version: LandedVersion,
  writer: string,
  writtenAt = new Date(),
): EurostatFileManifest {
  return EurostatFileManifestSchema.parse({
    version: 1,
    kind: 'file',
    uri: version.landed.uri,
    key: version.landed.key,
    record_count: version.cells,
    bytes: version.landed.bytes,
    uncompressed_bytes: version.landed.uncompressedBytes,
    written_at: writtenAt.toISOString(),
    writer,
    format: 'json.gz',
    source: {
      dataset: 'eurostat',
      code: version.code,
      update_time: version.updateTime,
      url: version.url,
      cells: version.cells,
    },
  });
}

/**
 * Publishes the landed version's manifest (acks from all in-sync replicas; the producer is
 * idempotent, so a retried send is written once) and resolves with its place on the topic. A
 * version landed again – a re-run after a crash between landing and loading, a forced sync – is
 * announced again under the same key with the same object key: readers of the topic take an
 * announcement as "this object exists", so a repeat says nothing new and harms nothing.
 */
export async function announceLanded(
  announcer: Announcer,
  version: LandedVersion,
): Promise<{ partition: number; offset: number }> {
  const manifest = eurostatFileManifest(version, announcer.writer);
  try {
    const [meta] = await announcer.producer.send({
      topic: announcer.topic,
      acks: -1,
      messages: [{ key: bronzeFileManifestKey(manifest.source), value: JSON.stringify(manifest) }],
    });
    if (meta === undefined) throw new Error('the broker returned no record metadata');
    return { partition: meta.partition, offset: Number(meta.baseOffset) };
  } catch (err) {
    throw new EurostatError(
      'LS_EUROSTAT_ANNOUNCE_FAILED',
      `announcing ${manifest.key} on ${announcer.topic}: ${(err as Error).message}`,
      { cause: err, retryable: true },
    );
  }
}
