/** `db-sync status`: every configured database and table as its state file records it. */
import { readDatabaseState, type TableState } from './state.js';
import { formatTable } from './sync-run.js';

function changes(state: TableState): string {
  if (state.schema_changes.length === 0) return '-';
  const last = state.schema_changes.slice(-3).map((c) => `${c.kind} ${c.column}`);
  const more = state.schema_changes.length > 3 ? ` (+${state.schema_changes.length - 3})` : '';
  return `${last.join(', ')}${more}`;
}

/** The status table of `databases` × `tables` (tables found only in a state file included). */
export function formatStatus(
  lakestreamHome: string,
  databases: readonly string[],
  tables: readonly string[],
): string {
  const rows: string[][] = [];
  for (const database of databases) {
    let states: Record<string, TableState>;
    try {
      states = readDatabaseState(lakestreamHome, database).tables;
    } catch (err) {
      rows.push([database, '*', '-', '-', '-', 'invalid', (err as Error).message, '-']);
      continue;
    }
    const names = [...tables, ...Object.keys(states).filter((t) => !tables.includes(t))];
    for (const table of names) {
      const s = states[table];
      if (s === undefined) {
        rows.push([database, table, '-', '-', '-', 'never synced', '-', '-']);
        continue;
      }
      const watermark =
        s.watermark === null
          ? '-'
          : `${s.watermark} ${s.watermark_kind === 'timestamp' ? 'UTC' : s.source_time_zone}`;
      rows.push([
        database,
        table,
        `${s.mode}/${s.write}`,
        watermark,
        String(s.rows),
        s.status,
        s.last_error ?? '-',
        changes(s),
      ]);
    }
  }
  return formatTable(
    [
      'database',
      'table',
      'mode',
      'last watermark',
      'rows',
      'status',
      'last error',
      'schema changes',
    ],
    rows,
  ).join('\n');
}
