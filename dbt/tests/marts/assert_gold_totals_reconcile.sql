-- Every gold table is a different cut of the same order items: their totals must agree with each
-- other and with staging, whatever the grain (catches fan-out joins and dropped rows).
with items as (
  select
    count(*) as item_count,
    sum(case when order_status not in ('CANCELED', 'SUSPECTED_FRAUD') then item_total else 0 end) as net_sales,
    sum(case when order_status not in ('CANCELED', 'SUSPECTED_FRAUD') then quantity else 0 end) as valid_units
  from {{ ref('stg_silver__order_items') }}
),

totals as (
  select 'overall_performance.item_count' as measure, (select sum(item_count) from {{ ref('overall_performance') }}) as gold_value, (select item_count from items) as expected
  union all
  select 'financial_commitments.item_count', (select sum(item_count) from {{ ref('financial_commitments') }}), (select item_count from items)
  union all
  select 'shipping_delays.item_count', (select sum(item_count) from {{ ref('shipping_delays') }}), (select item_count from items)
  union all
  select 'customer_retention.new_customers', (select sum(new_customers) from {{ ref('customer_retention') }}), (select count(*) from {{ ref('fraud_detection') }})
  union all
  select 'overall_performance.net_sales', (select sum(net_sales) from {{ ref('overall_performance') }}), (select net_sales from items)
  union all
  select 'financial_commitments.net_sales', (select sum(net_sales) from {{ ref('financial_commitments') }}), (select net_sales from items)
  union all
  select 'inventory_levels.net_sales', (select sum(net_sales) from {{ ref('inventory_levels') }}), (select net_sales from items)
  union all
  select 'inventory_levels.units_sold', (select sum(units_sold) from {{ ref('inventory_levels') }}), (select valid_units from items)
)

select *
from totals
where abs(coalesce(gold_value, 0) - coalesce(expected, 0))
  > 0.000001 * greatest(1, abs(coalesce(expected, 0)))
