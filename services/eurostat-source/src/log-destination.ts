/**
 * Where a command's JSON logs go: `EUROSTAT_SOURCE_LOG_FILE` (appended; commands.sh points it at
 * `$LAKESTREAM_HOME/logs/eurostat-source.log`, so the terminal shows the summaries and the
 * errors), else stderr (a container's log stream).
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export function logDestination(file: string | undefined): NodeJS.WritableStream {
  if (file === undefined || file === '') return process.stderr;
  mkdirSync(dirname(file), { recursive: true });
  return createWriteStream(file, { flags: 'a' });
}
