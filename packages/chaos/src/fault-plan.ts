import { SeededRandom } from '@lakestream/datagen';
import { SERVICES, type ServiceKey } from './pipeline-layout.js';

/** The kinds of fault the suite injects, in the order the report lists them. */
export const FAULT_KINDS = [
  'kill -9 at a fault point',
  'kill -9 at a random moment',
  'broker stop/start',
  'PostgreSQL stopped',
  'object store 503 burst',
  'frozen old owner resumed',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One fault placed in the run: during a producer part (after `delayMs`) or right after it. */
export type PlannedFault =
  | { kind: 'kill -9 at a random moment'; part: number; delayMs: number; service: ServiceKey }
  | { kind: 'broker stop/start'; part: number; after: true }
  | { kind: 'PostgreSQL stopped'; part: number; delayMs: number; downMs: number }
  | { kind: 'object store 503 burst'; part: number; delayMs: number; burstMs: number }
  | { kind: 'frozen old owner resumed'; part: number; delayMs: number };

/** What a run does: data size, pacing, and the faults. */
export interface FaultPlan {
  form: 'short' | 'long';
  rows: number;
  parts: number;
  /** Producer rate, rows per second: a part lasts a few seconds, so faults land while data flows. */
  rate: number;
  /** `LAKESTREAM_FAULT_POINTS` per service, one entry per start (the restart after a hit runs unarmed). */
  armed: Partial<Record<ServiceKey, string[]>>;
  faults: PlannedFault[];
  /** Longest the pipeline may take to finish its work once the last part is produced. */
  settleMs: number;
}

/**
 * The dangerous moments, one kill each: an object written but its manifest and offsets not
 * committed, a leftover about to be deleted, audit rows committed but offsets not, a batch
 * published but not announced, a batch applied but not recorded. The bronze sink's second start
 * (after the first kill) is the one that finds a leftover to clean up.
 */
export const ARMED_FAULT_POINTS: Partial<Record<ServiceKey, string[]>> = {
  'bronze-sink': ['bronze-sink.after-put@2', 'bronze-sink.before-cleanup-delete'],
  'audit-sink': ['audit-sink.after-insert@2'],
  transformer: ['transformer.after-publish'],
  'warehouse-loader': ['warehouse-loader.after-merge'],
};

/**
 * The plan for a seed. Short (the test suite's): every kind of fault once over three parts, the
 * database down 15 s. Long: more parts, two random kills per part, two broker restarts, the
 * database down 60 s, a burst in every other part.
 */
export function planFaults(options: { rows: number; seed: number; long: boolean }): FaultPlan {
  const random = new SeededRandom(options.seed);
  const parts = options.long ? 6 : 3;
  const partSeconds = options.long ? 20 : 6;
  const rate = Math.max(1, Math.ceil(options.rows / parts / partSeconds));
  const partMs = partSeconds * 1000;
  const faults: PlannedFault[] = [];
  const kill = (part: number) =>
    faults.push({
      kind: 'kill -9 at a random moment',
      part,
      delayMs: random.int(500, partMs),
      service: random.pick(SERVICES),
    });
  if (options.long) {
    for (let part = 0; part < parts; part++) {
      kill(part);
      kill(part);
      if (part % 2 === 0)
        faults.push({
          kind: 'object store 503 burst',
          part,
          delayMs: random.int(0, partMs / 2),
          burstMs: 3_000,
        });
    }
    faults.push({ kind: 'broker stop/start', part: 1, after: true });
    faults.push({ kind: 'broker stop/start', part: 3, after: true });
    faults.push({
      kind: 'PostgreSQL stopped',
      part: 2,
      delayMs: random.int(0, partMs / 2),
      downMs: 60_000,
    });
    faults.push({
      kind: 'frozen old owner resumed',
      part: 4,
      delayMs: random.int(1_000, partMs / 2),
    });
  } else {
    kill(0);
    faults.push({
      kind: 'object store 503 burst',
      part: 0,
      delayMs: random.int(0, partMs / 2),
      burstMs: 2_000,
    });
    faults.push({ kind: 'broker stop/start', part: 0, after: true });
    faults.push({
      kind: 'PostgreSQL stopped',
      part: 1,
      delayMs: random.int(0, partMs / 2),
      downMs: 15_000,
    });
    kill(1);
    faults.push({
      kind: 'frozen old owner resumed',
      part: 2,
      delayMs: random.int(1_000, partMs / 2),
    });
  }
  return {
    form: options.long ? 'long' : 'short',
    rows: options.rows,
    parts,
    rate,
    armed: ARMED_FAULT_POINTS,
    faults,
    settleMs: options.long ? 600_000 : 180_000,
  };
}
