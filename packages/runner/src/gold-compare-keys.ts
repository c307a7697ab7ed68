import { readFile } from 'node:fs/promises';
import { GoldCompareError } from './gold-compare-errors.js';

interface ManifestTest {
  resource_type?: string;
  attached_node?: string | null;
  column_name?: string | null;
  test_metadata?: { name?: string; kwargs?: Record<string, unknown> } | null;
}

/**
 * Each gold table's unique key, as its YAML tests declare it: a `unique` test on one column or a
 * `unique_combination_of_columns` test. Read from dbt's manifest.json, so the comparison keys on
 * exactly what `dbt build` enforces.
 */
export async function goldKeysFromManifest(
  manifestPath: string,
  tables: readonly string[],
): Promise<Map<string, readonly string[]>> {
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
  for (const node of Object.values(nodes ?? {})) {
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
  return keys;
}
