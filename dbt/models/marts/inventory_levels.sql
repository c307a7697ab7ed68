-- One row per (product, month) with at least one valid-sales item: units and sales of the month and
-- the product's running total of units. A month without valid sales has no row and adds nothing
-- to the running total.
with monthly as (
  select
    product_card_id,
    month,
    max(product_name) as product_name,
    max(category_name) as category_name,
    sum(quantity) as units_sold,
    count(distinct order_id) as order_count,
    {{ exact_sum('item_total') }} as net_sales
  from {{ ref('int_order_items_enriched') }}
  where is_valid_sale
  group by product_card_id, month
)

select
  product_card_id,
  month,
  product_name,
  category_name,
  cast(units_sold as {{ dbt.type_bigint() }}) as units_sold,
  cast(order_count as {{ dbt.type_bigint() }}) as order_count,
  net_sales,
  cast(
    sum(units_sold) over (
      partition by product_card_id
      order by month
      rows between unbounded preceding and current row
    ) as {{ dbt.type_bigint() }}
  ) as cumulative_units
from monthly
