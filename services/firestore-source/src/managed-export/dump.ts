/**
 * `firestore-source dump`: every document of a managed export as JSON lines on stdout, bad
 * records on stderr with file and byte offset, a summary at the end, progress on a terminal.
 */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { LakestreamError } from '@lakestream/config';
import { readManagedExport } from './read-export.js';
import type { BadExportRecord, BadExportRecordClass } from './types.js';

/** The command's usage text. */
export const DUMP_USAGE = `Usage: firestore-source dump PATH [--kind COLLECTION]...

Prints every document of a Firestore managed export as JSON lines {"path": …, "fields": …}
(values as the lake writes them). PATH is the export's folder (local, file:// or gs://bucket/prefix),
its .overall_export_metadata file, or one output-N file. Bad records are reported on stderr with
their file and byte offset, and skipped.

Options:
  --kind COLLECTION   only these collections (repeatable)
  -h, --help          this text

Exit status: 0 all read, 1 some record was bad or the export could not be read, 2 usage error
(bad arguments, or PATH holds no export or several).`;

/** Where the command writes. */
export interface DumpIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

const FLUSH_BYTES = 64 * 1024;
const PROGRESS_MS = 1000;
/** Codes meaning PATH names no single export: the caller's mistake, like a bad argument. */
const USAGE_CODES = new Set(['LS_MANAGED_EXPORT_NOT_FOUND', 'LS_MANAGED_EXPORT_AMBIGUOUS']);

function badLine(bad: BadExportRecord): string {
  const path = bad.path === null ? '' : ` (document ${bad.path})`;
  return `dump: bad record [${bad.class}] at ${bad.file}:${bad.offset}${path}: ${bad.message}\n`;
}

/** Runs `dump` with `argv` (the arguments after the command name); returns the exit status. */
export async function runDump(argv: readonly string[], io: DumpIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { kind: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
    });
  try {
    parsed = parse();
  } catch (err) {
    io.stderr.write(`dump: ${(err as Error).message}\n${DUMP_USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    io.stdout.write(`${DUMP_USAGE}\n`);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    io.stderr.write(`dump: expected one PATH, got ${parsed.positionals.length}\n${DUMP_USAGE}\n`);
    return 2;
  }
  const location = parsed.positionals[0]!;
  const controller = new AbortController();
  // A closed stdout (`dump … | head`) ends the dump quietly.
  let closed = false;
  io.stdout.on('error', (err: NodeJS.ErrnoException) => {
    closed = true;
    controller.abort(err);
  });
  const bad = new Map<BadExportRecordClass, number>();
  let documents = 0;
  let skippedBytes = 0;
  let warnings = 0;
  let file = '';
  let lastProgress = Date.now();
  const progress = io.stderr.isTTY === true;
  let pending = '';
  const flush = async () => {
    if (pending === '' || closed) return;
    const ok = io.stdout.write(pending);
    pending = '';
    if (!ok) await Promise.race([once(io.stdout, 'drain'), once(controller.signal, 'abort')]);
  };
  try {
    for await (const doc of readManagedExport(location, {
      ...(parsed.values.kind === undefined ? {} : { kinds: parsed.values.kind }),
      signal: controller.signal,
      onWarning: (warning) => {
        warnings++;
        io.stderr.write(`dump: warning [${warning.code}] ${warning.file}: ${warning.message}\n`);
      },
      onBadRecord: (record) => {
        bad.set(record.class, (bad.get(record.class) ?? 0) + 1);
        if (record.skipped !== undefined) skippedBytes += record.skipped.end - record.skipped.start;
        io.stderr.write(`${progress ? '\r\x1b[K' : ''}${badLine(record)}`);
      },
    })) {
      documents++;
      file = doc.file;
      pending += `${JSON.stringify({ path: doc.path, fields: doc.fields })}\n`;
      if (pending.length >= FLUSH_BYTES) await flush();
      if (progress && Date.now() - lastProgress >= PROGRESS_MS) {
        lastProgress = Date.now();
        io.stderr.write(`\r\x1b[Kdump: ${documents} documents, reading ${file}`);
      }
    }
    await flush();
  } catch (err) {
    if (closed) return 0;
    if (progress) io.stderr.write('\r\x1b[K');
    const code = err instanceof LakestreamError ? err.code : undefined;
    io.stderr.write(`dump: ${(err as Error).message}${code === undefined ? '' : ` (${code})`}\n`);
    return code !== undefined && USAGE_CODES.has(code) ? 2 : 1;
  }
  const badTotal = [...bad.values()].reduce((a, b) => a + b, 0);
  const classes = [...bad].map(([c, n]) => `${c} ${n}`).join(', ');
  const extra = [
    ...(skippedBytes > 0 ? [`${skippedBytes} bytes skipped after damage`] : []),
    ...(warnings > 0 ? [`${warnings} metadata warnings`] : []),
  ];
  io.stderr.write(
    `${progress ? '\r\x1b[K' : ''}dump: ${documents} documents, ${badTotal} bad records${badTotal > 0 ? ` (${classes})` : ''}${extra.map((e) => `, ${e}`).join('')}\n`,
  );
  return badTotal > 0 ? 1 : 0;
}
