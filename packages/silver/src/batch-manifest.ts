import { z } from 'zod';
import { SILVER_TABLE_NAMES } from './tables.js';

const isoTime = z.iso.datetime({ offset: true });

/** A data file of a published batch. */
export const SilverFileSchema = z.object({
  /** Object key relative to the store root. */
  key: z.string().min(1),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** For the fact: the partition value (YYYY-MM-01) the file holds. */
  order_month: z.string().optional(),
});
export type SilverFile = z.infer<typeof SilverFileSchema>;

/** A bronze object a batch consumed. */
export const BatchInputSchema = z.object({
  key: z.string().min(1),
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  first_offset: z.number().int().nonnegative(),
  last_offset: z.number().int().nonnegative(),
  record_count: z.number().int().nonnegative(),
});
export type BatchInput = z.infer<typeof BatchInputSchema>;

/** The outcome of one data-quality check of the gate between bronze and silver. */
export const QualityCheckSchema = z.object({
  name: z.string(),
  /** `failed` stops the batch (nothing is published); `quarantined` moved rows aside and went on. */
  status: z.enum(['passed', 'quarantined', 'failed']),
  /** Rows that broke the rule. */
  failing_rows: z.number().int().nonnegative(),
  detail: z.string().optional(),
});
export type QualityCheck = z.infer<typeof QualityCheckSchema>;

/**
 * The manifest of a silver batch, at `silver/_batches/<batch_id>.json`. Writing it (create-only) is
 * the step that publishes the batch; it also records which bronze objects the batch consumed, so
 * the set of published manifests is the transformer's state.
 */
export const BatchManifestSchema = z.object({
  version: z.literal(1),
  batch_id: z.string().regex(/^\d{8}$/),
  sequence: z.number().int().positive(),
  created_at: isoTime,
  inputs: z.array(BatchInputSchema),
  tables: z.record(
    z.enum(SILVER_TABLE_NAMES),
    z.object({ rows: z.number().int().nonnegative(), files: z.array(SilverFileSchema) }),
  ),
  quality: z.object({
    status: z.enum(['passed', 'passed_with_quarantine']),
    /** Bronze records read. */
    records_in: z.number().int().nonnegative(),
    /** Fact rows written. */
    rows_out: z.number().int().nonnegative(),
    /** Records quarantined (bad payload or a broken rule). */
    rejected: z.number().int().nonnegative(),
    /** Earlier versions of an order item superseded by a later one (`VERSION_ORDER`; in = out + rejected + superseded). */
    superseded: z.number().int().nonnegative(),
    checks: z.array(QualityCheckSchema),
  }),
  /** Quarantined rows (JSON lines with their reasons), when there are any. */
  quarantine: z.object({ key: z.string(), rows: z.number().int().nonnegative() }).optional(),
});
export type BatchManifest = z.infer<typeof BatchManifestSchema>;

/** Parses and checks a manifest's JSON text; throws a ZodError naming every problem. */
export function parseBatchManifest(text: string): BatchManifest {
  return BatchManifestSchema.parse(JSON.parse(text));
}

/** The message announcing a published batch on `lakestream.silver.batches.v1` (key: batch id). */
export const BatchAnnouncementSchema = z.object({
  version: z.literal(1),
  batch_id: z.string().regex(/^\d{8}$/),
  sequence: z.number().int().positive(),
  /** Manifest key relative to the store root, and its absolute URI. */
  manifest_key: z.string(),
  manifest_uri: z.string(),
  rows: z.record(z.enum(SILVER_TABLE_NAMES), z.number().int().nonnegative()),
  quality_status: z.enum(['passed', 'passed_with_quarantine']),
  rejected: z.number().int().nonnegative(),
  created_at: isoTime,
});
export type BatchAnnouncement = z.infer<typeof BatchAnnouncementSchema>;

/**
 * The warehouse loader's confirmation that a silver batch is durable in the warehouse (committed
 * with its `_lakestream_loads` row), published on `lakestream.silver.applied.v1` after the run
 * that applied it. A trigger, like the announcement: the loads table is the truth, so a
 * confirmation lost in a crash only delays the gold refresh until the next one.
 */
export const SilverAppliedSchema = z.object({
  version: z.literal(1),
  batch_id: z.string().regex(/^\d{8}$/),
  /** `duckdb` or `bigquery`, and where (`duckdb /path`, `bigquery project.dataset`). */
  target: z.enum(['duckdb', 'bigquery']),
  target_name: z.string().min(1),
  rows: z.record(z.enum(SILVER_TABLE_NAMES), z.number().int().nonnegative()),
  applied_at: isoTime,
});
export type SilverApplied = z.infer<typeof SilverAppliedSchema>;
