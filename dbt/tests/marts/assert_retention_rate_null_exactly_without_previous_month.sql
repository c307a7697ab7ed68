-- retention_rate is NULL exactly when the previous calendar month has no row (the first month, or
-- after a gap), and otherwise retained ÷ that month's active customers.
with retention as (
  select * from {{ ref('customer_retention') }}
)

select retention.month, retention.retention_rate, previous_month.active_customers as previous_active
from retention
left join retention as previous_month
  on previous_month.month = {{ add_months('retention.month', -1) }}
where (previous_month.month is null and retention.retention_rate is not null)
  or (previous_month.month is not null and retention.retention_rate is null)
  or abs(
    retention.retention_rate
    - cast(retention.retained_customers as {{ type_double() }}) / previous_month.active_customers
  ) > 1e-12
  or retention.retained_customers > previous_month.active_customers
