import { gunzipSync } from 'node:zlib';
import { readTopicToEnd } from '@lakestream/kafka';
import {
  type BronzeManifest,
  manifestNextOffset,
  manifestStartOffset,
  parseTopicManifest,
} from '@lakestream/lake';
import { isObjectNotFound, type ObjectStore } from '@lakestream/object-store';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { type HeldRecord, type LayerTally, type Produced, position, tally } from './tally.js';

/** What the topic holds: every record's position → order item, and the tally against the CSV. */
export async function readProduced(
  kafka: Kafka,
  topic: string,
  rows: number,
): Promise<{ produced: Map<string, number>; tally: LayerTally }> {
  const records = await readTopicToEnd(kafka, topic, {
    groupIdPrefix: 'lakestream-chaos-check',
    timeoutMs: 120_000,
  });
  const produced = new Map<string, number>();
  let unreadable = 0;
  for (const r of records) {
    const id = orderItemIdOf(r.value?.toString('utf8'));
    if (id === undefined) unreadable += 1;
    else produced.set(position(r.partition, Number(r.offset)), id);
  }
  const distinct = new Set(produced.values()).size;
  const problems = unreadable > 0 ? [`${unreadable} message(s) without an order_item_id`] : [];
  return {
    produced,
    tally: {
      layer: 'topic',
      expected: rows,
      held: records.length,
      lostOffsets: 0,
      duplicatedOffsets: 0,
      lostKeys: Math.max(0, rows - distinct),
      duplicatedKeys: produced.size - distinct,
      problems,
    },
  };
}

function orderItemIdOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    const id = (JSON.parse(text) as { order_item_id?: unknown }).order_item_id;
    return typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The fields of a bronze manifest the checks read. */
export type BronzeManifestRef = Pick<
  BronzeManifest,
  | 'key'
  | 'topic'
  | 'partition'
  | 'start_offset'
  | 'first_offset'
  | 'last_offset'
  | 'next_offset'
  | 'record_count'
>;

/** Every committed bronze manifest of `topic` (read_committed, so aborted ones never show). */
export async function readBronzeManifests(
  kafka: Kafka,
  manifestTopic: string,
  topic: string,
): Promise<BronzeManifest[]> {
  const records = await readTopicToEnd(kafka, manifestTopic, {
    groupIdPrefix: 'lakestream-chaos-check',
    timeoutMs: 120_000,
  });
  return records.map(parseTopicManifest).filter((m): m is BronzeManifest => m?.topic === topic);
}

/**
 * Bronze: every record of every committed object, read back from the store. Each produced record
 * must be in exactly one committed object; an object a manifest names must exist and hold exactly
 * the manifest's range.
 */
export async function checkBronze(
  store: ObjectStore,
  manifests: readonly BronzeManifestRef[],
  produced: Produced,
): Promise<LayerTally> {
  const records: HeldRecord[] = [];
  const problems: string[] = [];
  for (const m of manifests) {
    let body: Buffer;
    try {
      body = gunzipSync(await store.get(m.key));
    } catch (err) {
      problems.push(
        isObjectNotFound(err)
          ? `object missing: ${m.key} (partition ${m.partition}, offsets ${m.first_offset}–${m.last_offset})`
          : `object unreadable: ${m.key}: ${(err as Error).message}`,
      );
      continue;
    }
    const lines = body.toString('utf8').split('\n').filter(Boolean);
    const offsets: number[] = [];
    for (const line of lines) {
      const r = JSON.parse(line) as { partition: number; offset: number; value: unknown };
      const id = (r.value as { order_item_id?: unknown } | null)?.order_item_id;
      records.push({
        partition: r.partition,
        offset: r.offset,
        orderItemId: typeof id === 'number' ? id : undefined,
      });
      offsets.push(r.offset);
    }
    if (
      offsets.length !== m.record_count ||
      offsets[0] !== m.first_offset ||
      offsets.at(-1) !== m.last_offset
    ) {
      problems.push(
        `object ${m.key} holds ${offsets.length} records ${offsets[0]}–${offsets.at(-1)}, its manifest says ${m.record_count} records ${m.first_offset}–${m.last_offset}`,
      );
    }
  }
  problems.push(...gapsBetweenManifests(manifests));
  const result = tally('bronze', produced, records);
  result.problems.unshift(...problems);
  return result;
}

/**
 * Manifests of a partition must follow each other without a gap or an overlap: each one starts
 * (`start_offset`) where the one before ends (`next_offset`); offsets between an object's start
 * and its first record hold no record (transaction markers), so they are no gap.
 */
export function gapsBetweenManifests(manifests: readonly BronzeManifestRef[]): string[] {
  const problems: string[] = [];
  const byPartition = new Map<number, BronzeManifestRef[]>();
  for (const m of manifests)
    byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), m]);
  for (const [partition, list] of byPartition) {
    list.sort((a, b) => manifestStartOffset(a) - manifestStartOffset(b));
    for (let i = 1; i < list.length; i++) {
      const before = list[i - 1]!;
      const after = list[i]!;
      const end = manifestNextOffset(before);
      const start = manifestStartOffset(after);
      if (start > end) {
        problems.push(
          `partition ${partition}: gap between manifests, offsets ${end}–${start - 1} (${before.key} → ${after.key})`,
        );
      } else if (start < end) {
        problems.push(
          `partition ${partition}: manifests overlap at offsets ${start}–${Math.min(end, manifestNextOffset(after)) - 1} (${before.key}, ${after.key})`,
        );
      }
    }
  }
  return problems;
}

/** Audit: the rows of `topic` in `<schema>.order_item_events`, by position and by order item. */
export async function checkAudit(
  databaseUrl: string,
  schema: string,
  topic: string,
  produced: Produced,
): Promise<LayerTally> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const exists = await client.query('select to_regclass($1) as t', [
      `${schema}.order_item_events`,
    ]);
    const rows: { partition: number; offset: string; order_item_id: string }[] = exists.rows[0].t
      ? (
          await client.query(
            `select partition, "offset", order_item_id from ${schema}.order_item_events where topic = $1`,
            [topic],
          )
        ).rows
      : [];
    const result = tally(
      'audit',
      produced,
      rows.map((r) => ({
        partition: r.partition,
        offset: Number(r.offset),
        orderItemId: Number(r.order_item_id),
      })),
    );
    // A producer resend gives a source row a second position: with the source position recorded,
    // the audit log must not hold a source row twice either.
    const sourced = await client.query(
      `select 1 from information_schema.columns where table_schema = $1 and table_name = 'order_item_events' and column_name = 'source_row'`,
      [schema],
    );
    if (sourced.rowCount) {
      const { rows: twice } = await client.query(
        `select count(*)::bigint as n from (select source_file, source_row from ${schema}.order_item_events
          where topic = $1 group by 1, 2 having count(*) > 1) d`,
        [topic],
      );
      const n = Number(twice[0].n);
      if (n > 0) result.problems.push(`${n} source row(s) held more than once`);
    }
    return result;
  } finally {
    await client.end();
  }
}
