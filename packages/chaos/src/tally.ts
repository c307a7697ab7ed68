/** What one layer holds compared with what was produced, by Kafka position and by business key. */
export interface LayerTally {
  layer: string;
  /** Records that should be there: every produced record once. */
  expected: number;
  /** Records (rows, lines) the layer holds. */
  held: number;
  /** Produced positions (`partition:offset`) the layer does not hold. */
  lostOffsets: number;
  /** Extra copies of positions the layer holds more than once. */
  duplicatedOffsets: number;
  /** Order items (order_item_id) the layer does not hold. */
  lostKeys: number;
  /** Extra copies of order items the layer holds more than once. */
  duplicatedKeys: number;
  /** Anything else found wrong (missing objects, unknown positions, stale versions…). */
  problems: string[];
}

/** One record as a layer holds it: its Kafka position and its order item, when known. */
export interface HeldRecord {
  partition: number;
  offset: number;
  orderItemId: number | undefined;
}

/** The produced records: position `p:o` → order item id. */
export type Produced = ReadonlyMap<string, number>;

/** The key of a Kafka position. */
export const position = (partition: number, offset: number): string => `${partition}:${offset}`;

/**
 * Counts, against the produced records, what a layer holding `records` lost and duplicated – by
 * position and by key. `byOffset: false` for layers that keep one row per key rather than one per
 * record (the warehouse); their positions are then only checked to be produced ones.
 */
export function tally(
  layer: string,
  produced: Produced,
  records: Iterable<HeldRecord>,
  { byOffset = true }: { byOffset?: boolean } = {},
): LayerTally {
  const positions = new Map<string, number>();
  const keys = new Map<number, number>();
  let held = 0;
  let unknown = 0;
  for (const r of records) {
    held += 1;
    const at = position(r.partition, r.offset);
    if (!produced.has(at)) unknown += 1;
    positions.set(at, (positions.get(at) ?? 0) + 1);
    const key = r.orderItemId ?? produced.get(at);
    if (key !== undefined) keys.set(key, (keys.get(key) ?? 0) + 1);
  }
  const expectedKeys = new Set(produced.values());
  const lostKeys = [...expectedKeys].filter((k) => !keys.has(k)).length;
  const duplicatedKeys = [...keys.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const lostOffsets = byOffset ? [...produced.keys()].filter((p) => !positions.has(p)).length : 0;
  const duplicatedOffsets = [...positions.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const problems: string[] = [];
  if (unknown > 0) problems.push(`${unknown} record(s) at positions that were never produced`);
  const strangers = [...keys.keys()].filter((k) => !expectedKeys.has(k)).length;
  if (strangers > 0) problems.push(`${strangers} order item(s) that were never produced`);
  return {
    layer,
    expected: byOffset ? produced.size : expectedKeys.size,
    held,
    lostOffsets,
    duplicatedOffsets,
    lostKeys,
    duplicatedKeys,
    problems,
  };
}

/** Whether a layer is whole: nothing lost, nothing twice, nothing else wrong. */
export function isWhole(t: LayerTally): boolean {
  return (
    t.lostOffsets === 0 &&
    t.duplicatedOffsets === 0 &&
    t.lostKeys === 0 &&
    t.duplicatedKeys === 0 &&
    t.problems.length === 0
  );
}
