#!/usr/bin/env node
/**
 * Entry point: `firestore-source <command> …`. Each command lives in its own module under
 * commands/ and returns its exit status; this file only picks one.
 */
const USAGE = `Usage: firestore-source export [--profile NAME] [--config FILE] [--every 24h] [--run-id ID] [--no-wait]
       firestore-source backfill --export PATH [--pattern GLOB] [--snapshot-time TIME] [--dry-run] [--wait]
       firestore-source quality-events [--count N] [--teams K] [--seed S] [--first I] [--topic T]
       firestore-source dump PATH [--kind COLLECTION]...

Commands:
  export           export the configured collections at one read time to bronze (gzip NDJSON),
                   announced on lakestream.bronze.files.v1; the loader replaces each snapshot
  backfill         read a Firestore managed export (lake folder or gs:// prefix) and publish its
                   quality reports to lakestream.quality_reports.v1 (source backfill)
  quality-events   publish sample quality reports (source stream) for development
  dump             print every document of a managed export as JSON lines {"path", "fields"}

Run a command with --help for its options.`;

const COMMANDS = {
  export: () => import('./commands/export.js'),
  backfill: () => import('./commands/backfill.js'),
  'quality-events': () => import('./commands/quality-events.js'),
  dump: () => import('./commands/dump.js'),
} as const;

const [name, ...argv] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(name === undefined ? 2 : 0);
}
const load = COMMANDS[name as keyof typeof COMMANDS];
if (!load) {
  process.stderr.write(`firestore-source: unknown command '${name}'\n${USAGE}\n`);
  process.exit(2);
}
const command = await load();
const status = await command.main(argv);
// The command has finished and run its shutdown hooks: whatever a client library still holds
// open (a reconnecting Kafka client, a timer) must not keep the process alive.
process.exit(status);
