"""dbt on goccy/bigquery-emulator v0.8.1: dbt's own CLI with the two client shims the emulator needs.

scripts/dbt.sh runs dbt through this file only when the target is `bigquery` and
BIGQUERY_EMULATOR_HOST is set; against Google's BigQuery dbt runs unpatched. The models, macros and
dbt-bigquery's own materialisations stay exactly those production runs. Each shim is a no-op on
real BigQuery, so a mistaken use would change nothing there.

1. Statement type. The emulator reports statementType "SELECT" for every query job, DDL and DML
   included, without a destination table. dbt-bigquery's execute() then calls
   client.get_table(query_job.destination) and fails with
   "'NoneType' object has no attribute 'path'". A SELECT job always has a destination on BigQuery,
   so a "SELECT" without one is reported as having no statement type (dbt prints `[None in …]`).
2. CREATE OR REPLACE of an existing table or view. The emulator replaces the data, then fails the
   job with "409 … table X: table is already created" (its catalogue adds the new object without
   removing the old one), even after a DROP in the same script. The object is dropped first by a
   `DROP … IF EXISTS` job of its own. Not tables.delete: deleting a view that way crashed the
   emulator (googlesqlite "slice bounds out of range").
3. Dropping a relation. dbt drops a table or view with tables.delete (adapter.drop_relation: a
   unit test's __dbt_tmp table, a table materialisation's old relation). On the emulator that call
   panicked its SQL engine and the process exited, part way through a build. It becomes a
   `DROP TABLE|VIEW IF EXISTS` query job, the statement the emulator handles.
"""

import re

from google.cloud.bigquery import Client
from google.cloud.bigquery.job import QueryJob

_statement_type = QueryJob.statement_type.fget


def _statement_type_with_destination(self):
    kind = _statement_type(self)
    if kind == "SELECT" and self.destination is None:
        return None
    return kind


QueryJob.statement_type = property(_statement_type_with_destination)

_CREATE_OR_REPLACE = re.compile(
    r"create\s+or\s+replace\s+(table|view)\s+(`[^`]+`\.`[^`]+`\.`[^`]+`)", re.IGNORECASE
)
_query = Client.query


def _query_dropping_first(self, query, *args, **kwargs):
    match = _CREATE_OR_REPLACE.search(query)
    if match:
        _query(self, f"drop {match.group(1)} if exists {match.group(2)}").result()
    return _query(self, query, *args, **kwargs)


Client.query = _query_dropping_first


def _delete_table_by_sql(self, table, retry=None, timeout=None, not_found_ok=False):
    from google.api_core.exceptions import NotFound

    try:
        found = self.get_table(table)
    except NotFound:
        if not_found_ok:
            return
        raise
    kind = "view" if found.table_type == "VIEW" else "table"
    name = f"`{found.project}.{found.dataset_id}.{found.table_id}`"
    _query(self, f"drop {kind} if exists {name}").result()


Client.delete_table = _delete_table_by_sql

# Not named dbt_*: dbt imports every dbt_-prefixed module on sys.path as a plugin, which would run
# this file a second time inside the first.
if __name__ == "__main__":
    from dbt.cli.main import cli  # after the shims, so dbt's clients are the patched ones

    cli()
