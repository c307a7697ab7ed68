-- One row per (market, payment type) with at least one order item: how many orders still await
-- payment (PENDING_PAYMENT or PAYMENT_REVIEW) and how much money they hold.
select
  market,
  payment_type,
  cast(count(distinct order_id) as {{ dbt.type_bigint() }}) as order_count,
  cast(
    count(distinct case when is_awaiting_payment then order_id end) as {{ dbt.type_bigint() }}
  ) as awaiting_payment_orders,
  {{ exact_sum('case when is_awaiting_payment then item_total else 0 end') }} as awaiting_payment_amount,
  {{ safe_divide(
    'count(distinct case when is_awaiting_payment then order_id end)',
    'count(distinct order_id)'
  ) }} as awaiting_share
from {{ ref('int_order_items_enriched') }}
group by market, payment_type
