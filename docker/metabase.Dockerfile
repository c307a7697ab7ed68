# syntax=docker/dockerfile:1.7
# Metabase with the DuckDB driver, to browse the Lakestream warehouse. The official
# metabase/metabase image is Alpine (musl): DuckDB's JDBC driver needs glibc, hence this image on
# Eclipse Temurin (Ubuntu). Build context: docker/ (nothing from it is copied).
#
#   docker build -f docker/metabase.Dockerfile -t lakestream/metabase docker
#
# Metabase opens the warehouse snapshot that docker/warehouse_snapshot.py keeps (a DuckDB file
# stays locked while Metabase holds it, which would stop the loader and dbt).

FROM eclipse-temurin:21.0.8_9-jre-jammy
# The driver's version follows DuckDB's: 1.4.x reads the files DuckDB 1.4.5 writes.
ARG METABASE_VERSION=0.57.6
ARG DUCKDB_DRIVER_VERSION=1.4.3.0
LABEL org.opencontainers.image.title="lakestream-metabase" \
      org.opencontainers.image.description="Metabase ${METABASE_VERSION} with the DuckDB driver ${DUCKDB_DRIVER_VERSION}"
ENV MB_PLUGINS_DIR=/opt/metabase/plugins \
    MB_DB_FILE=/var/lib/metabase/metabase.db \
    MB_JETTY_PORT=3000
RUN groupadd --gid 1000 metabase \
    && useradd --uid 1000 --gid 1000 --no-create-home --shell /usr/sbin/nologin metabase \
    && mkdir -p /opt/metabase/plugins /var/lib/metabase \
    && chown 1000:1000 /var/lib/metabase
ADD --chmod=0644 https://downloads.metabase.com/v${METABASE_VERSION}/metabase.jar /opt/metabase/metabase.jar
ADD --chmod=0644 https://github.com/MotherDuck-Open-Source/metabase_duckdb_driver/releases/download/${DUCKDB_DRIVER_VERSION}/duckdb.metabase-driver.jar /opt/metabase/plugins/duckdb.metabase-driver.jar
# Metabase extracts its plugins into the plugins folder at start: give it to the service user.
RUN chown -R 1000:1000 /opt/metabase/plugins
USER 1000:1000
WORKDIR /var/lib/metabase
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=5 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/3000 && printf 'GET /api/health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q ok <&3"]
ENTRYPOINT ["java", "-jar", "/opt/metabase/metabase.jar"]
