{#-
  A sum of money that does not depend on the order rows are added in, nor on the warehouse.
  Floating-point addition is not associative, so a plain sum over DOUBLE can change in its last
  digits when the same rows are stored or scanned in another order (a re-run, parallel
  aggregation) – and a re-run must change no gold number. Each term is rounded to 10 decimal
  places (far below a cent) as an integer count of 1e-10 units – the same IEEE multiplication and
  half-away-from-zero rounding in DuckDB and BigQuery –, the integers are summed exactly, and the
  total is read back as a double from its decimal text (`||`: a sum of no rows stays NULL), which
  both parse to the nearest double:
  the DuckDB and BigQuery paths give the same double to the bit. (A cast through DECIMAL /
  BIGNUMERIC rounds differently: DuckDB's cast of a decimal to DOUBLE divides in floating point,
  and BigQuery keeps the double's whole binary expansion.)
-#}
{% macro exact_sum(expression) -%}
  {{ return(adapter.dispatch('exact_sum', 'lakestream')(expression)) }}
{%- endmacro %}

{% macro default__exact_sum(expression) -%}
  sum({{ expression }})
{%- endmacro %}

{% macro duckdb__exact_sum(expression) -%}
  cast(cast(sum(cast(round(({{ expression }}) * 1e10) as hugeint)) as varchar) || 'e-10' as double)
{%- endmacro %}

{% macro bigquery__exact_sum(expression) -%}
  cast(cast(sum(cast(round(({{ expression }}) * 1e10) as bignumeric)) as string) || 'e-10' as float64)
{%- endmacro %}
