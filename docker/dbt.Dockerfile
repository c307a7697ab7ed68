# syntax=docker/dockerfile:1.7
# The gold layer's dbt project in an image. Build from the repository root:
#
#   docker build -f docker/dbt.Dockerfile -t lakestream/dbt .
#
# Default command: one `dbt build` on the target LAKESTREAM_DBT_TARGET names (default duckdb: the
# warehouse file $LAKESTREAM_HOME/warehouse.duckdb, or LAKESTREAM_WAREHOUSE);
# bigquery uses BigQuery (credentials through Workload Identity or a mounted key named
# by LAKESTREAM_BQ_KEYFILE, never in the image). docker/dbt-loop.sh runs it on a schedule.

# dbt/constraints.txt is a pip freeze of a Python 3.11 venv: keep the same minor here.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_NO_INPUT=1
COPY dbt/requirements.txt dbt/constraints.txt /tmp/dbt/
RUN python -m venv /opt/dbt \
    && /opt/dbt/bin/pip install -r /tmp/dbt/requirements.txt -c /tmp/dbt/constraints.txt

FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="lakestream-dbt" \
      org.opencontainers.image.description="Lakestream gold layer (dbt build on DuckDB or BigQuery)" \
      org.opencontainers.image.source="https://github.com/lakestream/lakestream"
# No phoning home; artifacts and logs go to the state folder, not into the (read-only) project.
ENV PATH=/opt/dbt/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    DBT_VERSION_CHECK=false \
    DO_NOT_TRACK=1 \
    LAKESTREAM_HOME=/var/lib/lakestream \
    DBT_TARGET_PATH=/var/lib/lakestream/dbt/target \
    DBT_LOG_PATH=/var/lib/lakestream/dbt/logs \
    DBT_PROFILES_DIR=/app/dbt
COPY --from=build /opt/dbt /opt/dbt
WORKDIR /app
COPY dbt/ /app/dbt/
COPY docker/dbt-loop.sh docker/dbt_metrics.py docker/warehouse_snapshot.py /app/docker/
# The folders docker-compose.yml mounts volumes on, owned by the service user (see docker/Dockerfile).
RUN mkdir -p /var/lib/lakestream/dbt /var/lib/lakestream/warehouse /var/lib/lakestream/metabase \
    && chown -R 1000:1000 /var/lib/lakestream \
    && chmod 0755 /app/docker/dbt-loop.sh
USER 1000:1000
ENTRYPOINT ["dbt"]
CMD ["build", "--project-dir", "/app/dbt", "--profiles-dir", "/app/dbt"]
