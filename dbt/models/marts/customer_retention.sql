-- One row per month with at least one order item (any status): how many customers bought, how many
-- for the first time, and how many came back from the previous calendar month.
with customer_months as (
  select distinct
    customer_id,
    month
  from {{ ref('int_order_items_enriched') }}
),

first_months as (
  select
    customer_id,
    min(month) as first_month
  from customer_months
  group by customer_id
),

-- Each customer-month seen from the month after it: "this customer was active the month before".
-- Months are whole dates, so December 2016 leads to January 2017 and never to January 2016.
active_the_month_before as (
  select
    customer_id,
    {{ add_months('month', 1) }} as month
  from customer_months
),

monthly as (
  select
    customer_months.month,
    count(*) as active_customers,
    sum(case when first_months.first_month = customer_months.month then 1 else 0 end) as new_customers,
    sum(case when active_the_month_before.customer_id is not null then 1 else 0 end) as retained_customers
  from customer_months
  inner join first_months
    on customer_months.customer_id = first_months.customer_id
  left join active_the_month_before
    on customer_months.customer_id = active_the_month_before.customer_id
    and customer_months.month = active_the_month_before.month
  group by customer_months.month
)

select
  monthly.month,
  cast(monthly.active_customers as {{ dbt.type_bigint() }}) as active_customers,
  cast(monthly.new_customers as {{ dbt.type_bigint() }}) as new_customers,
  cast(monthly.active_customers - monthly.new_customers as {{ dbt.type_bigint() }}) as returning_customers,
  cast(monthly.retained_customers as {{ dbt.type_bigint() }}) as retained_customers,
  -- NULL when the previous calendar month had no active customer (the first month, or a gap).
  {{ safe_divide('monthly.retained_customers', 'previous_month.active_customers') }} as retention_rate
from monthly
left join monthly as previous_month
  on previous_month.month = {{ add_months('monthly.month', -1) }}
