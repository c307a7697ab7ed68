#!/usr/bin/env node
/**
 * Entry point: `eurostat-source <command> …`. Each command lives in its own module under
 * commands/ and returns its exit status; this file only picks one.
 */
const USAGE = `Usage: eurostat-source catalog [--every 7d]
       eurostat-source watch [--every 12h]
       eurostat-source sync [CODE…] [--force]
       eurostat-source worker
       eurostat-source fixtures [--port 8790] [options]

Commands:
  catalog    load Eurostat's table of contents into eurostat.catalog and select the watched
             datasets (EUROSTAT_KEYWORDS, default HLTH) into eurostat.watchlist
  watch      read the update feed and the catalogue; announce each watched dataset's update not
             loaded yet on lakestream.eurostat.updates.v1, once per update
  sync       download the named datasets (default: the watchlist), land them in bronze and load
             them; --force reloads a version loaded already
  worker     consume the update events and sync each event's dataset, until SIGTERM
  fixtures   serve Eurostat's dissemination API paths from the synthetic fixtures (development)

Run a command with --help for its options.`;

const COMMANDS = {
  catalog: () => import('./commands/catalog.js'),
  watch: () => import('./commands/watch.js'),
  sync: () => import('./commands/sync.js'),
  worker: () => import('./commands/worker.js'),
  fixtures: () => import('./commands/fixtures.js'),
} as const;

const [name, ...argv] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(name === undefined ? 2 : 0);
}
const load = COMMANDS[name as keyof typeof COMMANDS];
if (!load) {
  process.stderr.write(`eurostat-source: unknown command '${name}'\n${USAGE}\n`);
  process.exit(2);
}
const command = await load();
const status = await command.main(argv);
// The command has finished and run its shutdown hooks: whatever a client library still holds
// open (a reconnecting Kafka client, a timer) must not keep the process alive.
process.exit(status);
