{{ config(severity='warn') }}
-- Orders counted per month, per customer and per (market, payment type) add up to all orders when
-- each order has one month, one customer, one market and one payment type (see
-- assert_order_attributes_are_per_order); a warning, like that test, since the gold definitions
-- stay exact either way.
with expected as (
  select count(distinct order_id) as order_count from {{ ref('stg_silver__order_items') }}
),

totals as (
  select 'overall_performance' as model, (select sum(order_count) from {{ ref('overall_performance') }}) as gold_value
  union all
  select 'fraud_detection', (select sum(order_count) from {{ ref('fraud_detection') }})
  union all
  select 'payment_delays', (select sum(order_count) from {{ ref('payment_delays') }})
)

select totals.model, totals.gold_value, expected.order_count
from totals
cross join expected
where coalesce(totals.gold_value, 0) <> expected.order_count
