/**
 * Small JSON-stat answers for the reader's tests, written as Eurostat writes them (`value` and
 * `status` before `id`, `size` and `dimension`), and the independent reading they are held to.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import JSONstat from 'jsonstat-toolkit';
import type { JsonStatReader } from '../../src/jsonstat/index.js';

/** A long-format row as both readers are compared on. */
export interface LongRow {
  codes: string[];
  value: number | null;
  status: string | null;
}

let dir: string | undefined;
let serial = 0;

/** Removes every answer `writeAnswer` wrote (call it in `afterAll`). */
export function removeAnswers(): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

/** Writes `text` to a fresh file (gzip when asked) and answers its path. */
export function writeAnswer(text: string, gzip = false): string {
  serial++;
  dir ??= mkdtempSync(join(tmpdir(), 'jsonstat-test-'));
  const file = join(dir, `answer-${serial}.json${gzip ? '.gz' : ''}`);
  writeFileSync(file, gzip ? gzipSync(text) : text);
  return file;
}

/** The observed cells of a JSON-stat text according to jsonstat-toolkit, in index order. */
export function toolkitRows(text: string): LongRow[] {
  const dataset = JSONstat(JSON.parse(text));
  return dataset
    .toTable({ type: 'arrobj', content: 'id', status: true })
    .filter((row) => row.value !== null || row.status !== null)
    .map((row) => ({
      codes: dataset.id.map((id) => String(row[id])),
      value: row.value,
      status: row.status,
    }));
}

/** The observed cells as the streaming reader hands them out. */
export async function readerRows(reader: JsonStatReader): Promise<LongRow[]> {
  const rows: LongRow[] = [];
  for await (const row of reader.rows()) rows.push(row);
  return rows;
}

/** A Eurostat-shaped answer: geo × time with accents, a size-1 dimension, statuses, gaps. */
export const SPARSE = `{"version":"2.0","class":"dataset",
 "label":"Santé – crude death rate (synthetic)","source":"ESTAT","updated":"2024-05-01T11:00:00+0200",
 "value":{"0":12.5,"1":-0.25,"3":1e3,"7":0,"8":123456789.123},
 "status":{"1":"p","2":":","5":"e","7":"b"},
 "id":["freq","geo","time"],"size":[1,3,3],
 "dimension":{
  "freq":{"label":"Time frequency","category":{"index":{"A":0},"label":{"A":"Annual"}}},
  "geo":{"label":"Geopolitical entity","category":{"index":{"FR":0,"ES":1,"IS":2},
    "label":{"FR":"France","ES":"España","IS":"Ísland \\"north\\""}}},
  "time":{"label":"Time","category":{"index":{"2021":0,"2022":1,"2023":2},"label":{"2021":"2021","2022":"2022","2023":"2023"}}}},
 "extension":{"lang":"EN","id":"HLTH_X","annotation":[{"type":"OBS_COUNT","title":"5"}],
  "positions-with-no-data":{"freq":[],"geo":[],"time":[]},
  "status":{"label":{"p":"provisional","e":"estimated","b":"break in time series",":":"not available"}}}}`;

/** The same cells with a dense `value` array and a dense `status` array, keys in JSON-stat order. */
export const DENSE = `{"version":"2.0","class":"dataset","id":["geo","time"],"size":[2,3],
 "dimension":{"geo":{"category":{"index":["DE","AT"],"label":{"DE":"Deutschland","AT":"Österreich"}}},
  "time":{"category":{"index":{"2022":0,"2023":1,"2024":2}}}},
 "value":[1.5,null,3,null,null,6.25],
 "status":[null,"p",null,"c",null,"e"]}`;

/** Keys out of order (legal JSON-stat, not Eurostat's habit). */
export const UNORDERED = `{"version":"2.0","class":"dataset",
 "value":{"5":6,"0":1,"3":4},"status":{"4":"c","0":"p"},
 "id":["geo","time"],"size":[2,3],
 "dimension":{"geo":{"category":{"index":{"DE":0,"AT":1}}},"time":{"category":{"index":{"2022":0,"2023":1,"2024":2}}}}}`;

/** The Eurostat sample with its dimension block replaced (for the structure errors). */
export function withDimensions(ids: string, sizes: string, dimension: string): string {
  return `{"version":"2.0","class":"dataset","value":{"0":1,"1":2},"status":{"1":"p"},
 "id":${ids},"size":${sizes},"dimension":${dimension}}`;
}
