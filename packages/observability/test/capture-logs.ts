import { Writable } from 'node:stream';

/** A destination that keeps every log line, parsed, for assertions. */
export function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line));
      }
      callback();
    },
  });
  return { stream, lines };
}
