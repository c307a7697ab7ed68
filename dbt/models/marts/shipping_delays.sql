-- One row per (delivery status, shipping mode) with at least one order item: how late items ship.
select
  delivery_status,
  shipping_mode,
  cast(count(*) as {{ dbt.type_bigint() }}) as item_count,
  avg(cast(days_shipping_real - days_shipping_scheduled as {{ type_double() }})) as avg_delay_days,
  avg(cast(late_delivery_risk as {{ type_double() }})) as late_rate
from {{ ref('int_order_items_enriched') }}
group by delivery_status, shipping_mode
