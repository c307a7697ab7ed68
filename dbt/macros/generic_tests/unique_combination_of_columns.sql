{#-
  The grain test of a composite primary key: no two rows share the values of all the columns.
  NULLs compare equal here (a NULL in a key column is for not_null to report).
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select
  {% for column in combination_of_columns -%}
  {{ column }},
  {% endfor -%}
  count(*) as row_count
from {{ model }}
group by {% for column in combination_of_columns %}{{ column }}{% if not loop.last %}, {% endif %}{% endfor %}
having count(*) > 1
{% endtest %}
