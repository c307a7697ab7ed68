import { SILVER_TABLE_NAMES, SILVER_TABLES } from '@lakestream/silver';
import { withDuckDb } from './batch-checks.js';

/** One table compared between the clean run's warehouse and the faulted run's. */
export interface TableComparison {
  table: string;
  cleanRows: number;
  chaosRows: number;
  /** md5 over the table's row hashes in order: equal digests, equal tables. */
  cleanDigest: string;
  chaosDigest: string;
  /** Rows only in the clean run's table / only in the faulted run's (multiset difference). */
  onlyClean: number;
  onlyChaos: number;
}

/** Columns that say where and when a row was made, not what it is: they differ between two runs. */
const LINEAGE = new Set([
  'kafka_topic',
  'kafka_partition',
  'kafka_offset',
  'kafka_timestamp',
  'silver_batch_id',
]);

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Compares every gold table (whatever dbt built in schema `gold` of either warehouse) and every
 * silver table without its lineage columns, row for row, between the two warehouse files.
 */
export async function compareWarehouses(
  cleanPath: string,
  chaosPath: string,
): Promise<{ gold: TableComparison[]; silver: TableComparison[] }> {
  return withDuckDb({ clean: cleanPath, chaos: chaosPath }, async (query) => {
    const goldTables = await query(
      `select distinct table_name from information_schema.tables
        where table_catalog in ('clean', 'chaos') and table_schema = 'gold' order by 1`,
    );
    const compare = async (
      schema: string,
      table: string,
      columns: string,
    ): Promise<TableComparison> => {
      const side = async (db: string) => {
        const exists = await query(
          `select 1 from information_schema.tables where table_catalog = '${db}' and table_schema = '${schema}' and table_name = '${table}'`,
        );
        if (exists.length === 0) return { rows: -1, digest: 'missing' };
        const [r] = await query(
          `select count(*) as n, coalesce(md5(string_agg(h, '' order by h)), md5('')) as d
             from (select md5(cast(row(${columns}) as varchar)) as h from ${db}.${schema}.${quote(table)})`,
        );
        return { rows: Number(r?.n ?? 0), digest: String(r?.d ?? '') };
      };
      const [clean, chaos] = [await side('clean'), await side('chaos')];
      let onlyClean = 0;
      let onlyChaos = 0;
      if (clean.rows >= 0 && chaos.rows >= 0 && clean.digest !== chaos.digest) {
        const diff = async (a: string, b: string) => {
          const [r] = await query(
            `select count(*) as n from (select ${columns} from ${a}.${schema}.${quote(table)}
               except all select ${columns} from ${b}.${schema}.${quote(table)})`,
          );
          return Number(r?.n ?? 0);
        };
        onlyClean = await diff('clean', 'chaos');
        onlyChaos = await diff('chaos', 'clean');
      }
      return {
        table: `${schema}.${table}`,
        cleanRows: clean.rows,
        chaosRows: chaos.rows,
        cleanDigest: clean.digest,
        chaosDigest: chaos.digest,
        onlyClean,
        onlyChaos,
      };
    };
    const gold: TableComparison[] = [];
    for (const { table_name } of goldTables) {
      const name = String(table_name);
      const [any] = await query(
        `select table_catalog as c from information_schema.tables where table_schema = 'gold' and table_name = '${name}' limit 1`,
      );
      const columns = (
        await query(
          `select column_name from information_schema.columns where table_catalog = '${String(any?.c)}'
             and table_schema = 'gold' and table_name = '${name}' order by ordinal_position`,
        )
      )
        .map((c) => quote(String(c.column_name)))
        .join(', ');
      gold.push(await compare('gold', name, columns));
    }
    const silver: TableComparison[] = [];
    for (const name of SILVER_TABLE_NAMES) {
      const columns = SILVER_TABLES[name].columns
        .filter((c) => !LINEAGE.has(c.name))
        .map((c) => quote(c.name))
        .join(', ');
      silver.push(await compare('silver', name, columns));
    }
    return { gold, silver };
  });
}

/** Whether the two runs' tables are the same. */
export function isEqual(c: TableComparison): boolean {
  return c.cleanRows >= 0 && c.chaosRows >= 0 && c.cleanDigest === c.chaosDigest;
}
