import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@lakestream/observability';
import type pg from 'pg';
import { AuditSinkError, classifyPostgresError } from './errors.js';
import { connect } from './postgres.js';
import { quoteIdent } from './quote-ident.js';

/** The folder of the service's SQL migrations (`migrations/` beside `src/` and `dist/`). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

/** One versioned SQL file, e.g. `001_bronze_order_item_events.sql`. */
export interface Migration {
  /** The number before the first underscore. */
  version: number;
  /** The rest of the file name, without `.sql`. */
  name: string;
  /** The SQL text. */
  sql: string;
  /** SHA-256 of the file's bytes, hex. */
  checksum: string;
}

/** What `migrate` did. */
export interface MigrationResult {
  /** Migrations applied by this call, in order. */
  applied: Migration[];
  /** Migrations that were already recorded. */
  alreadyApplied: number;
}

/** Options of `migrate`. */
export interface MigrateOptions {
  /** Schema to migrate; created when missing. */
  schema: string;
  /** The migrations to apply; default: the files in `MIGRATIONS_DIR`. */
  migrations?: readonly Migration[];
  logger?: Logger;
}

const FILE_NAME = /^(\d+)_([a-z0-9_]+)\.sql$/;

/**
 * Reads the migration files of a folder, sorted by version. Every `.sql` file must be named
 * `<version>_<name>.sql` with a unique version: a file that does not fit is an error rather than
 * something silently skipped.
 */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new AuditSinkError(
        'LS_AUDIT_MIGRATION_INVALID',
        `migration file '${file}' is not named <version>_<name>.sql (lower-case name)`,
        { details: { dir, file } },
      );
    }
    const bytes = await readFile(`${dir}/${file}`);
    migrations.push({
      version: Number(match[1]),
      name: match[2]!,
      sql: bytes.toString('utf8'),
      checksum: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new AuditSinkError(
        'LS_AUDIT_MIGRATION_INVALID',
        `two migration files have version ${migrations[i]!.version}`,
        { details: { dir } },
      );
    }
  }
  return migrations;
}

function fileName(m: Pick<Migration, 'version' | 'name'>): string {
  return `${String(m.version).padStart(3, '0')}_${m.name}.sql`;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/**
 * Brings `schema` up to date: in ONE transaction, under a transaction-scoped advisory lock keyed
 * by the schema name (so instances starting together apply each migration once, the others
 * waiting and then finding nothing to do), it creates the schema and `schema_migrations` when
 * missing, checks that every recorded migration still has the checksum it was applied with, then
 * applies the pending ones in version order and records them. Any failure rolls everything back.
 */
export async function migrate(pool: pg.Pool, options: MigrateOptions): Promise<MigrationResult> {
  const migrations = options.migrations ?? (await loadMigrations());
  const schema = quoteIdent(options.schema);
  const log = options.logger?.child({ component: 'migrations', schema: options.schema });
  const client = await connect(pool, 'migrations');
  let failure: unknown;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [
      ADVISORY_LOCK_CLASS,
      options.schema,
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
         version    integer     PRIMARY KEY,
         name       text        NOT NULL,
         checksum   text        NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<AppliedRow>(
      `SELECT version, name, checksum FROM ${schema}.schema_migrations ORDER BY version`,
    );
    const pending = checkApplied(rows, migrations, options.schema);
    for (const unknown of rows.filter((r) => !migrations.some((m) => m.version === r.version))) {
      // The database is ahead of this build (a newer version ran here): keep going, since
      // migrations only ever add, but say so.
      log?.warn({ version: unknown.version, name: unknown.name }, 'unknown applied migration');
    }
    for (const migration of pending) {
      const started = performance.now();
      await client.query(`SET LOCAL search_path TO ${schema}`);
      await client.query(migration.sql);
      await client.query('RESET search_path');
      await client.query(
        `INSERT INTO ${schema}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`,
        [migration.version, migration.name, migration.checksum],
      );
      log?.info(
        { migration: fileName(migration), durationMs: Math.round(performance.now() - started) },
        'migration applied',
      );
    }
    await client.query('COMMIT');
    return { applied: pending, alreadyApplied: rows.length };
  } catch (err) {
    failure = err;
    await client.query('ROLLBACK').catch(() => {});
    throw classifyPostgresError(err, 'applying migrations');
  } finally {
    client.release(failure !== undefined && !(failure instanceof AuditSinkError));
  }
}

/** First key of the two-key advisory lock: "audit-sink migrations" (the second is the schema). */
const ADVISORY_LOCK_CLASS = 0x4c53_4153; // 'LSAS'

/** Checks recorded migrations against the files and returns the ones still to apply. */
function checkApplied(
  applied: readonly AppliedRow[],
  migrations: readonly Migration[],
  schema: string,
): Migration[] {
  const byVersion = new Map(applied.map((row) => [row.version, row]));
  for (const migration of migrations) {
    const row = byVersion.get(migration.version);
    if (row && row.checksum !== migration.checksum) {
      throw new AuditSinkError(
        'LS_AUDIT_MIGRATION_CHANGED',
        `migration ${fileName(migration)} was changed after it was applied to schema '${schema}' ` +
          `(recorded checksum ${row.checksum.slice(0, 12)}…, file now ${migration.checksum.slice(0, 12)}…): ` +
          'restore the file and put the change in a new migration',
        {
          details: {
            schema,
            version: migration.version,
            recorded: row.checksum,
            actual: migration.checksum,
          },
        },
      );
    }
  }
  const pending = migrations.filter((m) => !byVersion.has(m.version));
  const highest = applied.at(-1)?.version ?? 0;
  const early = pending.find((m) => m.version < highest);
  if (early) {
    throw new AuditSinkError(
      'LS_AUDIT_MIGRATION_INVALID',
      `migration ${fileName(early)} is older than ${highest}, already applied to schema '${schema}': ` +
        'give it a version above every applied one',
      { details: { schema, version: early.version, highest } },
    );
  }
  return pending;
}
