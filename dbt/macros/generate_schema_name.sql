{#-
  A model's schema is exactly its configured `schema` (staging, intermediate, gold), not dbt's
  default `<target schema>_<schema>`: other tools read `gold.<table>` by that name, on DuckDB and
  on BigQuery (where a schema is a dataset). Models without one land in the target's schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}
    {{ target.schema }}
  {%- else -%}
    {{ custom_schema_name | trim }}
  {%- endif -%}
{%- endmacro %}
