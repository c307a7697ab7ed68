-- One row per customer with at least one order item: how many of their orders are suspected fraud,
-- what they spent, and how often they paid by transfer. An order counts once however many items it
-- has; it counts as suspected fraud (or paid by transfer) when any of its items says so.
select
  customer_id,
  cast(count(distinct order_id) as {{ dbt.type_bigint() }}) as order_count,
  cast(
    count(distinct case when order_status = 'SUSPECTED_FRAUD' then order_id end)
    as {{ dbt.type_bigint() }}
  ) as suspected_fraud_orders,
  {{ safe_divide(
    "count(distinct case when order_status = 'SUSPECTED_FRAUD' then order_id end)",
    'count(distinct order_id)'
  ) }} as fraud_order_rate,
  {{ exact_sum('item_total') }} as total_spend,
  {{ safe_divide(
    "count(distinct case when payment_type = 'TRANSFER' then order_id end)",
    'count(distinct order_id)'
  ) }} as transfer_order_share,
  count(distinct case when order_status = 'SUSPECTED_FRAUD' then order_id end) > 0 as is_flagged
from {{ ref('int_order_items_enriched') }}
group by customer_id
