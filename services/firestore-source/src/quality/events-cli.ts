/** The command line of `firestore-source quality-events`. */
import { parseArgs } from 'node:util';
import { TOPIC_NAME } from '@lakestream/kafka';

/** The usage text printed by `--help` and after an argument error. */
export const EVENTS_USAGE = `Usage: firestore-source quality-events [--count N] [--teams K] [--seed S] [--first I] [--topic T] [--wait]

Publishes sample quality reports (source stream) on lakestream.quality_reports.v1, keyed by
insert_id, deterministic in (seed, teams, index). Sample i is the same report as document i of a
backfill fixture built with the same seed and teams (sampleQualityDocument), so publishing
indexes [first, first + count) overlaps such a fixture on the indexes both hold.

Options:
  --count N   reports to publish (default 100)
  --teams K   teams they are spread over (default 5)
  --seed S    the seed (default 1)
  --first I   index of the first sample (default 0)
  --topic T   topic (default QUALITY_REPORTS_TOPIC, else lakestream.quality_reports.v1)
  --wait      then wait until the warehouse loader has applied the reports (as backfill --wait;
              bounded by QUALITY_WAIT_TIMEOUT per hop)

Exit status: 0 published (and applied with --wait), 1 a failure or a wait timeout, 2 bad arguments or configuration.`;

/** What the command line asks for. */
export type EventsCommand =
  | { kind: 'help' }
  | { kind: 'error'; message: string }
  | {
      kind: 'run';
      count: number;
      teams: number;
      seed: number;
      first: number;
      topic?: string;
      wait: boolean;
    };

/** Reads the arguments after `quality-events`; never throws. */
export function parseEventsArgs(argv: readonly string[]): EventsCommand {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        count: { type: 'string' },
        teams: { type: 'string' },
        seed: { type: 'string' },
        first: { type: 'string' },
        topic: { type: 'string' },
        wait: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  if (values.help) return { kind: 'help' };
  if (positionals.length > 0)
    return { kind: 'error', message: `unexpected argument '${positionals[0]}'` };
  const numbers: Record<string, number> = {};
  for (const [name, fallback, min] of [
    ['count', 100, 0],
    ['teams', 5, 1],
    ['seed', 1, 0],
    ['first', 0, 0],
  ] as const) {
    const text = values[name] as string | undefined;
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isSafeInteger(n) || n < min || (text !== undefined && !/^\d+$/.test(text))) {
      return { kind: 'error', message: `--${name} expects an integer ≥ ${min}, got '${text}'` };
    }
    numbers[name] = n;
  }
  const topic = values.topic as string | undefined;
  if (topic !== undefined && !TOPIC_NAME.pattern.test(topic)) {
    return { kind: 'error', message: `--topic expects ${TOPIC_NAME.expected}, got '${topic}'` };
  }
  return {
    kind: 'run',
    count: numbers.count!,
    teams: numbers.teams!,
    seed: numbers.seed!,
    first: numbers.first!,
    ...(topic === undefined ? {} : { topic }),
    wait: values.wait === true,
  };
}
