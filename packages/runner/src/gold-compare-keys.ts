import { readFile } from 'node:fs/promises';
import { GoldCompareError } from './gold-compare-errors.js';

interface ManifestTest {
  resource_type?: string;
  name?: string;
  raw_code?: string;
  attached_node?: string | null;
  column_name?: string | null;
  test_metadata?: { name?: string; kwargs?: Record<string, unknown> } | null;
}

/** What the comparison needs of a gold table from dbt's manifest. */
export interface GoldTableSpec {
  /** The unique key, as its YAML tests declare it. */
  readonly key: readonly string[];
  /** Money columns, summed by `exact_sum`: both warehouses must give the same double. */
  readonly exact: ReadonlySet<string>;
}

// `{{ exact_sum('…') }} as net_sales` in a model's SQL (the expressions hold no parentheses).
const EXACT_SUM_COLUMN = /\{\{-?\s*exact_sum\([^)]*\)\s*-?\}\}\s+as\s+([A-Za-z_][A-Za-z0-9_]*)/gi;
// A column's own exact_sum (not one inside another macro's arguments, like a ratio's terms).
const EXACT_SUM_CALL = /\{\{-?\s*exact_sum\s*\(/gi;

/**
 * Each gold table's unique key, as its YAML tests declare it (a `unique` test on one column or a
 * `unique_combination_of_columns` test), and its money columns (those its SQL sums with
 * `exact_sum`). Read from dbt's manifest.json, so the comparison keys on exactly what `dbt build`
 * enforces.
 */
export async function goldTablesFromManifest(
  manifestPath: string,
  tables: readonly string[],
): Promise<Map<string, GoldTableSpec>> {
  let nodes: Record<string, ManifestTest>;
  try {
    nodes = (
      JSON.parse(await readFile(manifestPath, 'utf8')) as { nodes: Record<string, ManifestTest> }
    ).nodes;
  } catch (err) {
    throw new GoldCompareError(
      'LS_GOLD_COMPARE_MANIFEST_INVALID',
      `cannot read dbt's manifest ${manifestPath}: run dbt (build or parse) first`,
      { cause: err },
    );
  }
  const keys = new Map<string, readonly string[]>();
  const exact = new Map<string, Set<string>>();
  for (const node of Object.values(nodes ?? {})) {
    if (node.resource_type === 'model' && node.name && tables.includes(node.name)) {
      const sql = node.raw_code ?? '';
      const columns = [...sql.matchAll(EXACT_SUM_COLUMN)].map((m) => m[1]!);
      // A call the pattern cannot name a column for (parentheses in its expression, no alias)
      // would quietly compare that money column with a tolerance: refused instead.
      const calls = sql.match(EXACT_SUM_CALL)?.length ?? 0;
      if (calls !== columns.length) {
        throw new GoldCompareError(
          'LS_GOLD_COMPARE_MANIFEST_INVALID',
          `${node.name}: ${calls} {{ exact_sum(…) }} columns but ${columns.length} money columns found (${columns.join(', ') || 'none'}); write each as {{ exact_sum('expression without parentheses') }} as column`,
        );
      }
      exact.set(node.name, new Set(columns));
      continue;
    }
    if (node.resource_type !== 'test' || !node.attached_node || !node.test_metadata) continue;
    const table = node.attached_node.split('.').at(-1)!;
    if (!tables.includes(table)) continue;
    const kwargs = node.test_metadata.kwargs ?? {};
    if (node.test_metadata.name === 'unique') {
      const column = node.column_name ?? (kwargs.column_name as string | undefined);
      if (column) keys.set(table, [column]);
    } else if (node.test_metadata.name === 'unique_combination_of_columns') {
      const columns = kwargs.combination_of_columns;
      if (Array.isArray(columns)) keys.set(table, columns.map(String));
    }
  }
  const missing = tables.filter((t) => !keys.has(t));
  if (missing.length > 0) {
    throw new GoldCompareError(
      'LS_GOLD_COMPARE_MANIFEST_INVALID',
      `no unique or unique_combination_of_columns test on ${missing.join(', ')} in ${manifestPath}`,
    );
  }
  return new Map(
    tables.map((t) => [t, { key: keys.get(t)!, exact: exact.get(t) ?? new Set<string>() }]),
  );
}
