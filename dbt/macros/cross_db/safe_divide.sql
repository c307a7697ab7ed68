{#-
  Plain floating-point division that is NULL when the denominator is 0 or NULL (the gold
  contract's ratios): no rounding, and never an error or an infinity.
-#}
{% macro safe_divide(numerator, denominator) -%}
  {{ return(adapter.dispatch('safe_divide', 'lakestream')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__safe_divide(numerator, denominator) -%}
  case
    when {{ denominator }} = 0 then null
    else cast({{ numerator }} as {{ type_double() }}) / cast({{ denominator }} as {{ type_double() }})
  end
{%- endmacro %}

{% macro duckdb__safe_divide(numerator, denominator) -%}
  case
    when {{ denominator }} = 0 then null
    else cast({{ numerator }} as double) / cast({{ denominator }} as double)
  end
{%- endmacro %}

{% macro bigquery__safe_divide(numerator, denominator) -%}
  safe_divide(cast({{ numerator }} as float64), cast({{ denominator }} as float64))
{%- endmacro %}
