/**
 * Where a command's JSON logs go: `FIRESTORE_SOURCE_LOG_FILE` (appended; commands.sh points it at
 * `$LAKESTREAM_HOME/logs/firestore-source.log`, so the terminal shows the summaries, the progress
 * and the errors), else stderr (a container's log stream).
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export function logDestination(env: NodeJS.ProcessEnv = process.env): NodeJS.WritableStream {
  const file = env.FIRESTORE_SOURCE_LOG_FILE;
  if (file === undefined || file === '') return process.stderr;
  mkdirSync(dirname(file), { recursive: true });
  return createWriteStream(file, { flags: 'a' });
}
