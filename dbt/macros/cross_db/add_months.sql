{#- A DATE moved by a whole number of calendar months (negative moves back). -#}
{% macro add_months(date_expr, months) -%}
  {{ return(adapter.dispatch('add_months', 'lakestream')(date_expr, months)) }}
{%- endmacro %}

{% macro default__add_months(date_expr, months) -%}
  cast({{ date_expr }} + interval '{{ months }}' month as date)
{%- endmacro %}

{% macro duckdb__add_months(date_expr, months) -%}
  cast({{ date_expr }} + to_months(cast({{ months }} as integer)) as date)
{%- endmacro %}

{% macro bigquery__add_months(date_expr, months) -%}
  date_add({{ date_expr }}, interval {{ months }} month)
{%- endmacro %}
