/**
 * The SQL that turns bronze records into the silver star schema, as DuckDB statements over
 * temporary tables of one in-memory session:
 *
 *   typed      one row per bronze record read: coordinates, the value checked and typed (`problem`
 *              says why it is not a v1 OrderItemEvent), the arithmetic rules it breaks
 *   winners    (view) one row per order item: its latest valid version (packages/silver README)
 *   loaded     (view) the winners that break no rule: what the silver tables are built from
 *   <tables>   the five silver tables, columns and types exactly as in @lakestream/silver
 *
 * The benchmark runs the same statements directly, so the two differ only by what the transformer
 * adds around them (discovery, the quality gate, quarantine, staging and publication).
 */
import {
  DUCKDB_TYPES,
  quoteIdent,
  SILVER_TABLES,
  type SilverTableName,
  VERSION_ORDER,
} from '@lakestream/silver';

/** How an event field is typed when read. */
type FieldKind = 'int' | 'decimal' | 'text' | 'timestamp';

/** A field of the OrderItemEvent the silver tables use. */
interface EventField {
  name: string;
  kind: FieldKind;
  /** Missing or empty (after trimming) is allowed: the silver column is nullable. */
  nullable?: boolean;
}

const int = (name: string): EventField => ({ name, kind: 'int' });
const decimal = (name: string): EventField => ({ name, kind: 'decimal' });
const text = (name: string, nullable = false): EventField => ({ name, kind: 'text', nullable });
const timestamp = (name: string): EventField => ({ name, kind: 'timestamp' });

/**
 * The fields of an OrderItemEvent (packages/schema) the star schema is built from. A record is a
 * valid v1 event for silver when `schema_version` is 1 and each of these is present and of its
 * type; fields silver does not use are not looked at.
 */
// biome-ignore format: one field per line.
export const EVENT_FIELDS: readonly EventField[] = [
  int('order_item_id'),
  int('order_id'),
  int('customer_id'),
  int('product_card_id'),
  timestamp('order_date'),
  timestamp('shipping_date'),
  int('order_item_quantity'),
  decimal('order_item_product_price'),
  decimal('order_item_discount'),
  decimal('order_item_discount_rate'),
  decimal('sales'),
  decimal('order_item_total'),
  decimal('order_profit_per_order'),
  decimal('order_item_profit_ratio'),
  int('days_for_shipping_real'),
  int('days_for_shipment_scheduled'),
  text('delivery_status'),
  int('late_delivery_risk'),
  text('order_status'),
  text('type'),
  text('shipping_mode'),
  text('customer_segment'),
  text('customer_fname'),
  text('customer_lname', true),
  text('customer_street'),
  text('customer_city'),
  text('customer_state'),
  text('customer_country'),
  text('customer_zipcode', true),
  text('product_name'),
  decimal('product_price'),
  int('product_status'),
  text('product_image'),
  int('category_id'),
  text('category_name'),
  int('department_id'),
  text('department_name'),
  text('order_city'),
  text('order_state'),
  text('order_country'),
  text('order_region'),
  text('market'),
  text('order_zipcode', true),
];

/**
 * How a field is read: integers as DOUBLE (so that 2.5 is caught as not an integer rather than
 * rounded), timestamps as TIMESTAMPTZ (an ISO string with any offset becomes an instant).
 */
const READ_TYPES: Readonly<Record<FieldKind, string>> = {
  int: 'DOUBLE',
  decimal: 'DOUBLE',
  text: 'VARCHAR',
  timestamp: 'TIMESTAMPTZ',
};

/** The struct the event is read into (`schema_version` first). */
export function eventStructType(): string {
  const fields = [
    `schema_version DOUBLE`,
    ...EVENT_FIELDS.map((f) => `${quoteIdent(f.name)} ${READ_TYPES[f.kind]}`),
  ];
  return `STRUCT(${fields.join(', ')})`;
}

/** The same structure as `from_json` wants it (a JSON object of field → type). */
function eventJsonStructure(): string {
  return JSON.stringify(
    Object.fromEntries([
      ['schema_version', 'DOUBLE'],
      ...EVENT_FIELDS.map((f) => [f.name, READ_TYPES[f.kind]]),
    ]),
  );
}

/** An SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A DuckDB list literal of strings. */
export function sqlStringList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`;
}

/**
 * Session settings every run needs: UTC (timestamps are instants; dates are UTC days), and no
 * extension downloaded at run time (the JSON and Parquet readers are built in).
 */
export const SESSION_SETUP: readonly string[] = [
  `SET TimeZone = 'UTC'`,
  `SET autoinstall_known_extensions = false`,
  // Whitespace trimmed from text: space, tab, LF, VT, FF, CR (DuckDB's trim() alone takes spaces).
  `CREATE OR REPLACE TEMP MACRO ls_trim(s) AS trim(s, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13))`,
];

/**
 * How bronze lines are read: `struct` parses the value straight into the event struct (fastest;
 * fails the whole read on a value of another shape), `json` keeps it as JSON and converts it
 * leniently (a field that does not convert becomes NULL, and the record is quarantined).
 */
export type ReadMode = 'struct' | 'json';

/** The columns of a bronze line the transformer reads (others, like headers, are ignored). */
function lineColumns(mode: ReadMode): string {
  return [
    `topic: 'VARCHAR'`,
    `"partition": 'BIGINT'`,
    `"offset": 'BIGINT'`,
    `"timestamp": 'TIMESTAMPTZ'`,
    `value_encoding: 'VARCHAR'`,
    `"value": ${sqlString(mode === 'struct' ? eventStructType() : 'JSON')}`,
  ].join(', ');
}

/** `read_ndjson` over local files, with the file name of each line. */
export function readLinesSql(paths: readonly string[], mode: ReadMode): string {
  return `read_ndjson(${sqlStringList(paths)}, columns = {${lineColumns(mode)}}, filename = true, format = 'newline_delimited', compression = 'gzip')`;
}

/** The columns of a `raw` row, as `selectRawSql` yields them. */
const RAW_COLUMNS = `file, kafka_topic, kafka_partition, kafka_offset, kafka_timestamp, value_encoding, value_type, v, raw_value`;

/** Per partition, the offset records must be below to count (others are ignored). */
export type EndOffsets = ReadonlyMap<number, number>;

/**
 * Raw rows from bronze files: coordinates, and the value as the event struct `v` with
 * `value_type` (`OBJECT` when it was a JSON object) and, in `json` mode, the value as read.
 * With `endOffsets`, only records below their partition's end offset count (a partition not
 * listed has none).
 */
export function selectRawSql(
  paths: readonly string[],
  mode: ReadMode,
  endOffsets?: EndOffsets,
): string {
  const value =
    mode === 'struct'
      ? `CASE WHEN l."value" IS NULL THEN NULL ELSE 'OBJECT' END AS value_type, l."value" AS v, CAST(NULL AS VARCHAR) AS raw_value`
      : `json_type(l."value") AS value_type, from_json(l."value", ${sqlString(eventJsonStructure())}) AS v, CAST(l."value" AS VARCHAR) AS raw_value`;
  const where =
    endOffsets === undefined
      ? ''
      : ` WHERE CASE l."partition" ${[...endOffsets]
          .map(([partition, end]) => `WHEN ${partition} THEN l."offset" < ${end}`)
          .join(' ')} ELSE false END`;
  return (
    `SELECT l.filename AS file, l.topic AS kafka_topic, l."partition" AS kafka_partition, l."offset" AS kafka_offset, ` +
    `CAST(l."timestamp" AS TIMESTAMP) AS kafka_timestamp, l.value_encoding, ${value} ` +
    `FROM ${readLinesSql(paths, mode)} l${where}`
  );
}

/** No rows, in the shape of `selectRawSql` (to create `typed` before reading anything). */
function emptyRawSql(): string {
  return (
    `SELECT CAST(NULL AS VARCHAR) AS file, CAST(NULL AS VARCHAR) AS kafka_topic, CAST(NULL AS BIGINT) AS kafka_partition, ` +
    `CAST(NULL AS BIGINT) AS kafka_offset, CAST(NULL AS TIMESTAMP) AS kafka_timestamp, CAST(NULL AS VARCHAR) AS value_encoding, ` +
    `CAST(NULL AS VARCHAR) AS value_type, CAST(NULL AS ${eventStructType()}) AS v, CAST(NULL AS VARCHAR) AS raw_value WHERE false`
  );
}

/** Why a record's struct is not a usable event (NULL when it is). */
function problemSql(): string {
  const missing = EVENT_FIELDS.filter((f) => !f.nullable).map((f) => {
    const ref = `v.${quoteIdent(f.name)}`;
    const bad =
      f.kind === 'int'
        ? `${ref} IS NULL OR ${ref} <> trunc(${ref}) OR abs(${ref}) > 9007199254740991`
        : `${ref} IS NULL`;
    return `CASE WHEN ${bad} THEN ${sqlString(f.name)} END`;
  });
  return `CASE
    WHEN value_encoding IS DISTINCT FROM 'json' THEN 'value_encoding is ' || coalesce(value_encoding, 'null') || ', not json'
    WHEN value_type IS DISTINCT FROM 'OBJECT' THEN 'value is not a JSON object'
    WHEN v.schema_version IS DISTINCT FROM 1 THEN 'schema_version is ' || coalesce(regexp_replace(CAST(v.schema_version AS VARCHAR), '\\.0$', ''), 'missing') || ', expected 1'
    ELSE 'missing or ill-typed: ' || nullif(concat_ws(', ', ${missing.join(', ')}), '')
  END`;
}

/**
 * A field of `v`, typed: integers BIGINT, timestamps UTC. Text stays as read here: it is cleaned
 * where the tables are built from few distinct values (see `TABLE_SOURCES`), which costs a
 * fraction of trimming every field of every record.
 */
function fieldSql(f: EventField): string {
  const ref = `v.${quoteIdent(f.name)}`;
  switch (f.kind) {
    case 'int':
      return `TRY_CAST(${ref} AS BIGINT)`;
    case 'decimal':
      return ref;
    case 'timestamp':
      return `CAST(${ref} AS TIMESTAMP)`;
    case 'text':
      return ref;
  }
}

/** A cent of tolerance, and a little more for binary floating point. */
const CENT = '0.01 + 1e-9';

/**
 * Typed rows from raw rows: the record's `problem` (NULL for a valid v1 event), each field typed,
 * the arithmetic rules it breaks, and its order and shipping days.
 */
function selectTypedSql(rawSelect: string): string {
  const fields = EVENT_FIELDS.map((f) => `${fieldSql(f)} AS ${quoteIdent(f.name)}`);
  // The value as read is kept only where it explains a rejection.
  return `SELECT *,
    abs(sales - order_item_product_price * order_item_quantity) > ${CENT} AS breaks_sales_rule,
    abs(order_item_total - (sales - order_item_discount)) > ${CENT} AS breaks_total_rule,
    CAST(order_date AS DATE) AS order_day,
    CAST(shipping_date AS DATE) AS shipping_day
  FROM (
    SELECT file, kafka_topic, kafka_partition, kafka_offset, kafka_timestamp, problem,
      CASE WHEN problem IS NULL THEN NULL ELSE raw_value END AS raw_value,
      ${fields.join(',\n      ')}
    FROM (SELECT ${RAW_COLUMNS}, ${problemSql()} AS problem FROM (${rawSelect}))
  )`;
}

/** Creates the empty table `typed`: one row per bronze record read, typed (see `insertTypedSql`). */
export function createTypedSql(): string {
  return `CREATE OR REPLACE TEMP TABLE typed AS ${selectTypedSql(emptyRawSql())}`;
}

/** Reads bronze files into `typed`. */
export function insertTypedSql(
  paths: readonly string[],
  mode: ReadMode,
  endOffsets?: EndOffsets,
): string {
  return `INSERT INTO typed ${selectTypedSql(selectRawSql(paths, mode, endOffsets))}`;
}

/**
 * A record's version as a struct DuckDB orders field by field: the later version is the greater
 * (kafka_timestamp, kafka_partition, kafka_offset) – the one rule of packages/silver's README –
 * which, unlike the offset alone, also orders versions of a key that moved partitions.
 */
const VERSION = `{${VERSION_ORDER.map((c) => `${c}: ${c}`).join(', ')}}`;

/**
 * `winners`: each order item's latest version (`VERSION`; the same record read from two bronze
 * files is broken by file name) among the valid records, the others counted as superseded;
 * `loaded`: the winners that break no arithmetic rule, what the silver tables are built from.
 * Views over `typed` (only the winning row ids are stored): copying the wide rows again would
 * cost more than reading them twice.
 */
export function createWinnersSql(): string[] {
  return [
    `CREATE OR REPLACE TEMP TABLE winner_rows AS
      SELECT arg_max(rowid, {v: ${VERSION}, f: file}) AS rid
      FROM typed WHERE problem IS NULL GROUP BY order_item_id`,
    `CREATE OR REPLACE TEMP VIEW winners AS
      SELECT * FROM typed WHERE rowid IN (SELECT rid FROM winner_rows)`,
    `CREATE OR REPLACE TEMP VIEW loaded AS
      SELECT * FROM winners WHERE NOT breaks_sales_rule AND NOT breaks_total_rule`,
    createGeographySql(),
  ];
}

/** The destination attributes, in key order. */
const GEOGRAPHY = [
  'order_city',
  'order_state',
  'order_country',
  'order_region',
  'market',
  'order_zipcode',
] as const;

/**
 * `geography`: one row per distinct destination as read, with its cleaned attributes (`clean_…`),
 * its key – md5 hex of the six cleaned attributes joined by chr(31), a NULL zipcode as '' – and
 * its latest (timestamp, partition, offset). The fact finds its key here by the attributes as
 * read; `dim_geography` is one row per key.
 */
function createGeographySql(): string {
  const cleaned = GEOGRAPHY.map(
    (c) => `${c === 'order_zipcode' ? `nullif(ls_trim(${c}), '')` : `ls_trim(${c})`} AS clean_${c}`,
  );
  const key = GEOGRAPHY.map((c) =>
    c === 'order_zipcode' ? `coalesce(clean_${c}, '')` : `clean_${c}`,
  ).join(' || chr(31) || ');
  return `CREATE OR REPLACE TEMP TABLE geography AS
    SELECT *, md5(${key}) AS geography_key FROM (
      SELECT ${GEOGRAPHY.join(', ')}, ${cleaned.join(', ')},
        max(${VERSION}) AS latest
      FROM loaded GROUP BY ALL)`;
}

const dateKey = (day: string) => `year(${day}) * 10000 + month(${day}) * 100 + day(${day})`;

/** How a table is built: its source, and each column's expression over it. */
interface TableSource {
  from: string;
  columns: Readonly<Record<string, string>>;
}

/** Trimmed text (space, tab, LF, VT, FF, CR), kept as UTF-8. */
const clean = (expression: string) => `ls_trim(${expression})`;
/** Trimmed text, empty → NULL (the nullable text columns). */
const cleanOrNull = (expression: string) => `nullif(ls_trim(${expression}), '')`;

/**
 * A dimension with one row per key, its attributes from the key's latest row (by Kafka
 * timestamp, then partition, then offset): a hash aggregate picking the latest struct per key,
 * the attributes cleaned afterwards (once per key, not per record).
 */
function latestPerKey(
  source: string,
  key: string,
  column: string,
  attributes: Record<string, [field: string, cleaning?: (expression: string) => string]>,
  latest = VERSION,
): TableSource {
  const picked = Object.entries(attributes)
    .map(([name, [field]]) => `${quoteIdent(name)}: ${field}`)
    .join(', ');
  return {
    from: `(SELECT ${key} AS k, arg_max({${picked}}, ${latest}) AS latest FROM ${source} GROUP BY ${key})`,
    columns: {
      [column]: 'k',
      ...Object.fromEntries(
        Object.entries(attributes).map(([name, [, cleaning]]) => {
          const value = `latest.${quoteIdent(name)}`;
          return [name, cleaning === undefined ? value : cleaning(value)];
        }),
      ),
    },
  };
}

/** Each table's columns as expressions over its source, keyed by column name. */
const TABLE_SOURCES: Readonly<Record<SilverTableName, TableSource>> = {
  dim_customer: latestPerKey('loaded', 'customer_id', 'customer_id', {
    first_name: ['customer_fname', clean],
    last_name: ['customer_lname', cleanOrNull],
    segment: ['customer_segment'],
    street: ['customer_street', clean],
    city: ['customer_city', clean],
    state: ['customer_state', clean],
    country: ['customer_country', clean],
    zipcode: ['customer_zipcode', cleanOrNull],
  }),
  dim_product: latestPerKey('loaded', 'product_card_id', 'product_card_id', {
    product_name: ['product_name', clean],
    product_price: ['product_price'],
    product_status: ['product_status'],
    product_image: ['product_image', clean],
    category_id: ['category_id'],
    category_name: ['category_name', clean],
    department_id: ['department_id'],
    department_name: ['department_name', clean],
  }),
  dim_geography: latestPerKey(
    'geography',
    'geography_key',
    'geography_key',
    Object.fromEntries(GEOGRAPHY.map((c) => [c, [`clean_${c}`]])),
    'latest',
  ),
  dim_date: {
    from: `(SELECT order_day AS d FROM loaded UNION SELECT shipping_day FROM loaded)`,
    columns: {
      date_key: dateKey('d'),
      date: 'd',
      year: 'year(d)',
      quarter: 'quarter(d)',
      month: 'month(d)',
      month_start: `date_trunc('month', d)`,
      day_of_month: 'day(d)',
      day_of_week: 'isodow(d)',
      iso_week: 'weekofyear(d)',
      is_weekend: 'isodow(d) >= 6',
    },
  },
  fct_order_items: {
    // The key of the destination as read (zipcode NULL-safe).
    from: `loaded l JOIN geography g ON ${GEOGRAPHY.map((c) => `l.${c} IS NOT DISTINCT FROM g.${c}`).join(' AND ')}`,
    columns: {
      order_item_id: 'order_item_id',
      order_id: 'order_id',
      customer_id: 'customer_id',
      product_card_id: 'product_card_id',
      geography_key: 'g.geography_key',
      order_date_key: dateKey('order_day'),
      shipping_date_key: dateKey('shipping_day'),
      order_ts: 'order_date',
      shipping_ts: 'shipping_date',
      order_month: `date_trunc('month', order_day)`,
      quantity: 'order_item_quantity',
      product_price: 'order_item_product_price',
      discount: 'order_item_discount',
      discount_rate: 'order_item_discount_rate',
      sales: 'sales',
      item_total: 'order_item_total',
      profit: 'order_profit_per_order',
      profit_ratio: 'order_item_profit_ratio',
      days_shipping_real: 'days_for_shipping_real',
      days_shipping_scheduled: 'days_for_shipment_scheduled',
      delivery_status: 'delivery_status',
      late_delivery_risk: 'late_delivery_risk',
      order_status: 'order_status',
      payment_type: 'type',
      shipping_mode: 'shipping_mode',
      customer_segment: 'customer_segment',
      kafka_topic: 'kafka_topic',
      kafka_partition: 'kafka_partition',
      kafka_offset: 'kafka_offset',
      kafka_timestamp: 'kafka_timestamp',
      silver_batch_id: '$batch_id',
    },
  },
};

/**
 * `CREATE TEMP TABLE <table>` from `loaded`: the contract's columns in file order, each cast to its
 * DuckDB type, so the Parquet schema is the documented one whatever the expressions yield.
 */
export function createTableSql(table: SilverTableName, batchId: string): string {
  const source = TABLE_SOURCES[table];
  const columns = SILVER_TABLES[table].columns.map((column) => {
    const expression = source.columns[column.name];
    if (expression === undefined) throw new Error(`no expression for ${table}.${column.name}`);
    const value = expression === '$batch_id' ? sqlString(batchId) : expression;
    return `CAST(${value} AS ${DUCKDB_TYPES[column.type]}) AS ${quoteIdent(column.name)}`;
  });
  return `CREATE OR REPLACE TEMP TABLE ${quoteIdent(table)} AS SELECT ${columns.join(', ')} FROM ${source.from}`;
}

/** Parquet options of every silver file. */
export const PARQUET_OPTIONS = `FORMAT parquet, COMPRESSION zstd`;

/** `COPY` of a table (or one order month of the fact) to a Parquet file, ordered by its key. */
export function copyTableSql(table: SilverTableName, path: string, orderMonth?: string): string {
  const spec = SILVER_TABLES[table];
  const where =
    orderMonth === undefined
      ? ''
      : ` WHERE ${quoteIdent(spec.partitionBy!)} = DATE ${sqlString(orderMonth)}`;
  return `COPY (SELECT * FROM ${quoteIdent(table)}${where} ORDER BY ${quoteIdent(spec.primaryKey)}) TO ${sqlString(path)} (${PARQUET_OPTIONS})`;
}
