{#-
  Fails on every row where `expression` is not true (false or NULL). On a model it checks a row
  rule (`returning_customers = active_customers - new_customers`); on a column, the expression is
  appended to the column (`column_name: between 0 and 1`). NULL-tolerant rules say so themselves
  (`x is null or x between 0 and 1`).
-#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(
  {%- if column_name is none %} ({{ expression }})
  {%- else %} ({{ column_name }} {{ expression }})
  {%- endif %}, false)
{% endtest %}
