import { describe, expect, it } from 'vitest';
import {
  AnyBronzeFileManifestSchema,
  bronzeFileManifestKey,
  type EurostatFileManifest,
  EurostatFileManifestSchema,
  eurostatBronzeKey,
  isBronzeFileManifestKey,
  isFirestoreFileManifest,
  parseBronzeAnnouncement,
  parseTopicManifest,
} from '../src/index.js';

const key = eurostatBronzeKey('hlth_cd_aro', '2024-05-01T09:00:00Z');
const manifest: EurostatFileManifest = {
  version: 1,
  kind: 'file',
  uri: `file:///lake/${key}`,
  key,
  record_count: 1234,
  bytes: 4_096,
  uncompressed_bytes: 65_536,
  written_at: '2024-05-01T12:31:02.500Z',
  writer: 'eurostat-source@host',
  format: 'json.gz',
  source: {
    dataset: 'eurostat',
    code: 'hlth_cd_aro',
    update_time: '2024-05-01T09:00:00Z',
    url: 'https://ec.europa.eu/eurostat/api/dissemination/statistics/1.0/data/hlth_cd_aro?format=JSON&lang=EN',
    cells: 1234,
  },
};

describe('Eurostat file manifests', () => {
  it('parse as file announcements of a raw JSON-stat answer, keyed by the dataset', () => {
    const parsed = parseBronzeAnnouncement(JSON.stringify(manifest));
    expect(parsed).toEqual({ kind: 'file', manifest });
    if (parsed.kind !== 'file') throw new Error('not a file announcement');
    expect(isFirestoreFileManifest(parsed.manifest)).toBe(false);
    expect(key).toBe('bronze/eurostat/hlth_cd_aro/20240501T090000Z.json.gz');
    expect(bronzeFileManifestKey(manifest.source)).toBe('file+eurostat+hlth_cd_aro');
    expect(isBronzeFileManifestKey(bronzeFileManifestKey(manifest.source))).toBe(true);
  });

  it('may leave the cells out', () => {
    const { cells: _, ...source } = manifest.source;
    expect(EurostatFileManifestSchema.parse({ ...manifest, source })).toEqual({
      ...manifest,
      source,
    });
  });

  it('are passed over, unparsed, by readers of topic manifests', () => {
    const message = {
      key: Buffer.from(bronzeFileManifestKey(manifest.source)),
      value: Buffer.from(JSON.stringify(manifest)),
    };
    expect(parseTopicManifest(message)).toBeUndefined();
  });

  it('refuse a local time, an upper-case code, another format, a key not the version’s, no URL', () => {
    const other = eurostatBronzeKey('hlth_cd_aro', '2024-05-02T09:00:00Z');
    for (const bad of [
      { ...manifest, source: { ...manifest.source, update_time: '2024-05-01T11:00:00+02:00' } },
      { ...manifest, source: { ...manifest.source, code: 'HLTH_CD_ARO' } },
      { ...manifest, source: { ...manifest.source, url: 'not a url' } },
      { ...manifest, source: { ...manifest.source, cells: -1 } },
      { ...manifest, format: 'jsonl.gz' },
      { ...manifest, key: other, uri: `file:///lake/${other}` },
      { ...manifest, key: 'silver/eurostat/hlth_cd_aro/x.parquet' },
    ]) {
      expect(AnyBronzeFileManifestSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
      expect(() => parseBronzeAnnouncement(JSON.stringify(bad))).toThrow();
    }
  });
});
