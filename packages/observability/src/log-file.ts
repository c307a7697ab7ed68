import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Where a command's JSON logs go: appended to `file` when one is named (commands.sh points each
 * command at `$LAKESTREAM_HOME/logs/<service>.log`, so the terminal shows the summaries, the
 * progress and the errors), else stderr (a container's log stream; stdout keeps the summary).
 */
export function logFileOrStderr(file: string | undefined): NodeJS.WritableStream {
  if (file === undefined || file === '') return process.stderr;
  mkdirSync(dirname(file), { recursive: true });
  return createWriteStream(file, { flags: 'a' });
}
