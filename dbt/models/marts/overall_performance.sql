-- One row per month with at least one order item: volume (all statuses), net sales and profit
-- (valid sales only), and shipping performance (all items).
select
  month,
  cast(count(distinct order_id) as {{ dbt.type_bigint() }}) as order_count,
  cast(count(*) as {{ dbt.type_bigint() }}) as item_count,
  {{ exact_sum('case when is_valid_sale then item_total else 0 end') }} as net_sales,
  {{ exact_sum('case when is_valid_sale then profit else 0 end') }} as profit,
  {{ safe_divide(
    exact_sum('case when is_valid_sale then profit else 0 end'),
    exact_sum('case when is_valid_sale then item_total else 0 end')
  ) }} as profit_margin,
  avg(cast(days_shipping_real as {{ type_double() }})) as avg_days_shipping_real,
  avg(cast(days_shipping_scheduled as {{ type_double() }})) as avg_days_shipping_scheduled,
  avg(cast(late_delivery_risk as {{ type_double() }})) as late_delivery_rate
from {{ ref('int_order_items_enriched') }}
group by month
