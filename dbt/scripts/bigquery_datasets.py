"""Creates the BigQuery datasets the dbt project builds into, in the profile's location.

dbt-bigquery creates a missing dataset with `CREATE SCHEMA`, which carries no location (the job's
location decides it) and which the emulator accepts without creating anything. So scripts/dbt.sh
runs this first on the `bigquery` target: every `+schema` of dbt_project.yml's models and the
profile's own dataset, each with datasets.insert and LAKESTREAM_BQ_LOCATION; an existing dataset is
left as it is. Credentials are the profile's: the emulator's address when BIGQUERY_EMULATOR_HOST is
set, otherwise application-default credentials (Workload Identity) or LAKESTREAM_BQ_KEYFILE.
"""

import os
import sys
from pathlib import Path

import yaml
from google.api_core.client_options import ClientOptions
from google.api_core.exceptions import NotFound
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

DBT_DIR = Path(__file__).resolve().parent.parent


def model_datasets() -> list[str]:
    """Every `+schema` under the project's models, and the profile's default dataset."""
    project = yaml.safe_load((DBT_DIR / "dbt_project.yml").read_text())
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "+schema" and isinstance(value, str):
                    found.append(value)
                walk(value)

    walk(project.get("models", {}))
    found.append(os.environ.get("LAKESTREAM_BQ_DATASET", "lakestream"))
    return sorted(set(found))


def client() -> bigquery.Client:
    project = os.environ.get("LAKESTREAM_BQ_PROJECT") or os.environ.get("BIGQUERY_PROJECT") or None
    location = os.environ.get("LAKESTREAM_BQ_LOCATION", "US")
    emulator = os.environ.get("BIGQUERY_EMULATOR_HOST", "")
    if emulator:
        return bigquery.Client(
            project=project,
            location=location,
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=emulator),
        )
    keyfile = os.environ.get("LAKESTREAM_BQ_KEYFILE", "")
    if os.environ.get("LAKESTREAM_BQ_METHOD", "oauth") == "service-account" and keyfile:
        return bigquery.Client.from_service_account_json(keyfile, project=project, location=location)
    return bigquery.Client(project=project, location=location)


def main() -> int:
    bq = client()
    location = os.environ.get("LAKESTREAM_BQ_LOCATION", "US")
    for name in model_datasets():
        dataset = bigquery.Dataset(f"{bq.project}.{name}")
        # Looked up first: the emulator answers a dataset that exists with 500 "already created"
        # (BigQuery: 409), which the client retries for ten minutes instead of taking it as done.
        try:
            bq.get_dataset(dataset.reference)
            continue
        except NotFound:
            pass
        dataset.location = location
        dataset.labels = {"managed-by": "lakestream-dbt"}
        bq.create_dataset(dataset, exists_ok=True)
    print(f"bigquery datasets ready in {bq.project} ({location}): {', '.join(model_datasets())}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
