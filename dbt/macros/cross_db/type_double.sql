{#-
  The 64-bit floating-point type. Not dbt.type_float(): on DuckDB that is FLOAT, a 32-bit REAL,
  which would round averages and ratios to about 7 digits.
-#}
{% macro type_double() -%}
  {{ return(adapter.dispatch('type_double', 'lakestream')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
  double precision
{%- endmacro %}

{% macro duckdb__type_double() -%}
  double
{%- endmacro %}

{% macro bigquery__type_double() -%}
  float64
{%- endmacro %}
