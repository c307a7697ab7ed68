/** Fixture documents for the managed-export tests: every Firestore value type and the edge cases. */
import { type FsDocument, type FsValue, fs } from './export-entity.js';

/** Every value type, nested, and the boundary values of each. */
export function everyValueType(): Record<string, FsValue> {
  return {
    nothing: null,
    yes: true,
    no: false,
    zero: fs.int(0),
    negative: fs.int(-42),
    beyondSafe: fs.int(2n ** 53n + 1n),
    int64Min: fs.int(-(2n ** 63n)),
    int64Max: fs.int(2n ** 63n - 1n),
    half: fs.double(1.5),
    tiny: fs.double(5e-324),
    notANumber: fs.double(Number.NaN),
    plusInfinity: fs.double(Number.POSITIVE_INFINITY),
    minusInfinity: fs.double(Number.NEGATIVE_INFINITY),
    empty: '',
    text: 'México – 東京 🚀',
    when: fs.timestamp(1_700_000_000_123_456n),
    beforeEpoch: fs.timestamp(-1n),
    blob: fs.bytes(Buffer.from([0, 255, 128, 10, 13])),
    emptyBlob: fs.bytes(Buffer.alloc(0)),
    where: fs.geo(48.8566, -2.3522),
    ref: fs.ref('teams/t1/reports/r1'),
    map: fs.map({
      inner: 'x',
      emptyString: '',
      when: fs.timestamp(1_600_000_000_000_001n),
      where: fs.geo(-33.9, 151.2),
      ref: fs.ref('a/b'),
      deeper: fs.map({ n: fs.int(7), list: [fs.int(1), 'two'] }),
      emptyMap: fs.map({}),
      nothing: null,
    }),
    emptyMap: fs.map({}),
    list: [fs.int(1), fs.double(2.5), 'three', null, true, fs.map({ k: 'v' }), fs.timestamp(0n)],
    single: ['only'],
    emptyList: [],
  };
}

/** `count` small documents in `collection` (ids `d0000`…), with a few fields each. */
export function smallDocs(collection: string, count: number, from = 0): FsDocument[] {
  return Array.from({ length: count }, (_, i) => ({
    path: `${collection}/d${String(from + i).padStart(4, '0')}`,
    fields: { i: fs.int(from + i), name: `doc ${from + i}`, tags: ['a', 'b'] },
  }));
}

/** A mixed set: every type, nested paths, numeric ids, a 100 KB field (fragmented record). */
export function mixedDocs(): FsDocument[] {
  return [
    { path: 'types/all', fields: everyValueType() },
    { path: 'teams/t1/reports/r1/qualityReports/1700000000', fields: { score: fs.double(0.9) } },
    { path: 'teams/7', fields: { numeric: true } },
    { path: 'big/one', fields: { blob: 'x'.repeat(100_000), after: fs.int(1) } },
    { path: 'empty/doc', fields: {} },
    ...smallDocs('pods', 40),
  ];
}
