{#- The first day (DATE) of the calendar month of a timestamp, in UTC. -#}
{% macro month_start(timestamp_expr) -%}
  {{ return(adapter.dispatch('month_start', 'lakestream')(timestamp_expr)) }}
{%- endmacro %}

{% macro default__month_start(timestamp_expr) -%}
  cast(date_trunc('month', {{ timestamp_expr }}) as date)
{%- endmacro %}

{% macro duckdb__month_start(timestamp_expr) -%}
  cast(date_trunc('month', cast({{ timestamp_expr }} as timestamp)) as date)
{%- endmacro %}

{% macro bigquery__month_start(timestamp_expr) -%}
  date_trunc(date({{ timestamp_expr }}, 'UTC'), month)
{%- endmacro %}
