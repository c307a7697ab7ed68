import { DUCKDB_TYPES, SILVER_TABLE_NAMES, SILVER_TABLES } from '@lakestream/silver';

/** The silver star schema as a Mermaid erDiagram, generated from the contract (README). */
export function mermaidErDiagram(): string {
  const lines = ['erDiagram'];
  const fact = SILVER_TABLES.fct_order_items;
  for (const fk of fact.foreignKeys)
    lines.push(`  ${fk.references.table} ||--o{ ${fact.name} : "${fk.column}"`);
  for (const table of SILVER_TABLE_NAMES) {
    const spec = SILVER_TABLES[table];
    const fks = new Set(spec.foreignKeys.map((fk) => fk.column));
    lines.push(`  ${table} {`);
    for (const column of spec.columns) {
      const key = column.name === spec.primaryKey ? ' PK' : fks.has(column.name) ? ' FK' : '';
      const comment = `${column.description}${column.nullable ? ' (nullable)' : ''}`.replaceAll(
        '"',
        "'",
      );
      lines.push(`    ${DUCKDB_TYPES[column.type]} ${column.name}${key} "${comment}"`);
    }
    lines.push('  }');
  }
  return lines.join('\n');
}
