{#-
  A sum of money that does not depend on the order rows are added in. Floating-point addition is
  not associative, so a plain sum over DOUBLE can change in its last digits when the same rows are
  stored or scanned in another order (a re-run, parallel aggregation) – and a re-run must change no
  gold number. Each term is taken exactly as a decimal with 10 places (far below a cent), summed
  exactly, and the total returned as a double.
-#}
{% macro exact_sum(expression) -%}
  {{ return(adapter.dispatch('exact_sum', 'lakestream')(expression)) }}
{%- endmacro %}

{% macro default__exact_sum(expression) -%}
  sum({{ expression }})
{%- endmacro %}

{% macro duckdb__exact_sum(expression) -%}
  cast(sum(cast({{ expression }} as decimal(38, 10))) as double)
{%- endmacro %}

{% macro bigquery__exact_sum(expression) -%}
  cast(sum(cast({{ expression }} as bignumeric)) as float64)
{%- endmacro %}
