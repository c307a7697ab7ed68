/** The command line of `firestore-source backfill`. */
import { parseArgs } from 'node:util';
import { parseReportTimestamp } from '@lakestream/lake';
import { compileDocumentGlob, DEFAULT_DOCUMENT_GLOB, type DocumentGlob } from './document-glob.js';

/** The usage text printed by `--help` and after an argument error. */
export const BACKFILL_USAGE = `Usage: firestore-source backfill --export PATH [--pattern GLOB] [--snapshot-time TIME] [--dry-run] [--wait]

Reads a Firestore managed export (a local folder, file://… or gs://bucket/prefix), maps every
document at teams/{teamId}/reports/{reportId}/qualityReports/{timestamp} to a quality report
(source backfill) and publishes it on lakestream.quality_reports.v1 keyed by insert_id. Bad input
(damaged records, unknown property types, documents outside the pattern, reports failing the
schema) goes to lakestream.firestore.quarantine.v1 with its file and byte offset; the rest goes on.

Options:
  --export PATH         the export: the folder holding *.overall_export_metadata, or above all_namespaces/
  --pattern GLOB        only documents under paths matching GLOB (default ${DEFAULT_DOCUMENT_GLOB}, every
                        document; '*' within a segment, '**' any number of segments; e.g.
                        teams/t1/**); a qualityReports document it selects that is not at the
                        pattern above is bad input, one it excludes is skipped
  --snapshot-time TIME  created_at of reports without createdAt (default: the export's start time)
  --dry-run             read, map and count; publish nothing
  --wait                then wait until the warehouse loader has applied the reports

Exit status: 0 no bad input, 1 some bad input quarantined (the rest published) or a failure,
2 bad arguments or configuration.`;

/** What the command line asks for. */
export type BackfillCommand =
  | { kind: 'help' }
  | { kind: 'error'; message: string }
  | {
      kind: 'run';
      location: string;
      glob: DocumentGlob;
      snapshotTime?: string;
      dryRun: boolean;
      wait: boolean;
    };

// A full date-time with its zone: a report's created_at is an instant, not a local time.
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;

/** Reads the arguments after `backfill`; never throws. */
export function parseBackfillArgs(argv: readonly string[]): BackfillCommand {
  let values: ReturnType<typeof parse>['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parse(argv));
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  if (values.help) return { kind: 'help' };
  if (positionals.length > 0)
    return { kind: 'error', message: `unexpected argument '${positionals[0]}'` };
  if (values.export === undefined || values.export === '') {
    return { kind: 'error', message: '--export PATH is required' };
  }
  if (values.wait && values['dry-run']) {
    return { kind: 'error', message: '--wait has nothing to wait for with --dry-run' };
  }
  const snapshotText = values['snapshot-time'];
  // The contract's parser: UTC to the microsecond, as created_at is written, and no calendar
  // date that does not exist (a Date would roll 02-30 over into March).
  const snapshotTime =
    snapshotText === undefined || !TIME.test(snapshotText)
      ? undefined
      : parseReportTimestamp(snapshotText);
  if (snapshotText !== undefined && snapshotTime === undefined) {
    return {
      kind: 'error',
      message: `--snapshot-time expects an ISO 8601 date-time with a zone, got '${snapshotText}'`,
    };
  }
  let glob: DocumentGlob;
  try {
    glob = compileDocumentGlob(values.pattern ?? DEFAULT_DOCUMENT_GLOB);
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  return {
    kind: 'run',
    location: values.export,
    glob,
    ...(snapshotTime === undefined ? {} : { snapshotTime }),
    dryRun: values['dry-run'] ?? false,
    wait: values.wait ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      export: { type: 'string' },
      pattern: { type: 'string' },
      'snapshot-time': { type: 'string' },
      'dry-run': { type: 'boolean' },
      wait: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
