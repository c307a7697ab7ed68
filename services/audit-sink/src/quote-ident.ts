/** Quotes a PostgreSQL identifier (`bronze` → `"bronze"`, `a"b` → `"a""b"`). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
