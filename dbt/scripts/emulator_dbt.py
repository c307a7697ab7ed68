"""dbt on goccy/bigquery-emulator v0.8.1: dbt's own CLI with the client shims the emulator needs.

scripts/dbt.sh runs dbt through this file only when the target is `bigquery` and
BIGQUERY_EMULATOR_HOST is set; against Google's BigQuery dbt runs unpatched. The models, macros and
dbt-bigquery's own materialisations stay exactly those production runs. Shims 1–3 are no-ops on
real BigQuery; shim 4 is not (it would create a results dataset and keep every result as a table),
which is one more reason dbt.sh uses this file only with BIGQUERY_EMULATOR_HOST set.

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
4. Query results. The emulator stores the rows of every SELECT job without a destination in a
   new dataset named after the job, and each new dataset loads the SQL engine's whole function
   catalogue into its WebAssembly memory, which never shrinks (about 20 MB a query): a full build
   (models, unit tests and some 80 data tests) ran it out of memory. Such a query gets a
   destination table in one results dataset instead (`_lakestream_emulator_results`, made on first
   use), as BigQuery's own anonymous tables are one per query in a hidden dataset.
"""

import copy
import re
import uuid

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


_RESULTS_DATASET = "_lakestream_emulator_results"
# A query whose result is rows: after dbt's leading /* … */ comment, a SELECT or a WITH.
_SELECT = re.compile(r"\A\s*(?:/\*.*?\*/\s*|--[^\n]*\n\s*)*\(*\s*(select|with)\b", re.IGNORECASE | re.DOTALL)
_results_dataset_made = False


def _with_results_table(client, job_config):
    global _results_dataset_made
    from google.cloud.bigquery import QueryJobConfig

    if not _results_dataset_made:
        from google.api_core.exceptions import NotFound

        # Looked up first: the emulator answers a dataset that exists with a retried 500.
        try:
            client.get_dataset(f"{client.project}.{_RESULTS_DATASET}")
        except NotFound:
            client.create_dataset(f"{client.project}.{_RESULTS_DATASET}")
        _results_dataset_made = True
    # A copy of its own: a shallow copy would share the caller's properties.
    config = (
        QueryJobConfig()
        if job_config is None
        else QueryJobConfig.from_api_repr(copy.deepcopy(job_config.to_api_repr()))
    )
    config.destination = f"{client.project}.{_RESULTS_DATASET}.r_{uuid.uuid4().hex}"
    return config


def _query_dropping_first(self, query, job_config=None, *args, **kwargs):
    match = _CREATE_OR_REPLACE.search(query)
    if match:
        _query(self, f"drop {match.group(1)} if exists {match.group(2)}").result()
    elif _SELECT.match(query) and (job_config is None or job_config.destination is None):
        job_config = _with_results_table(self, job_config)
    return _query(self, query, job_config, *args, **kwargs)


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
