/**
 * Lands a dataset version's raw answer in bronze: gzip, at the contract's key
 * `bronze/eurostat/<code>/<YYYYMMDDTHHMMSSZ>.json.gz`. The key is a function of (code, update
 * time), so landing the same version again replaces the object with the same bytes.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { resolveLakestreamHome } from '@lakestream/config';
import { eurostatBronzeKey } from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import { EurostatError } from '../errors.js';

/** The store URL in effect: EUROSTAT_STORAGE_URL, else `<LAKESTREAM_HOME>/lake`. */
export function storageUrlOf(config: {
  storageUrl?: string | undefined;
  lakestreamHome: string;
}): string {
  return config.storageUrl ?? join(resolveLakestreamHome(config.lakestreamHome), 'lake');
}

/** Gzips `file` (streamed) and puts it at the version's bronze key; resolves with the key and size. */
export async function landInBronze(
  store: ObjectStore,
  code: string,
  updateTime: string,
  file: string,
): Promise<{ key: string; bytes: number }> {
  const key = eurostatBronzeKey(code, updateTime);
  const gz = `${file}.gz`;
  try {
    await pipeline(createReadStream(file), createGzip({ level: 6 }), createWriteStream(gz));
    // The store's put takes the whole object: the compressed answer, a fraction of the text.
    const body = await readFile(gz);
    await store.put(key, body, { contentType: 'application/gzip' });
    return { key, bytes: body.length };
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
