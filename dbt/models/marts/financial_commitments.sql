-- One row per (department, market, category) with at least one order item: what is sold, still
-- open, and fulfilled. Sums over no qualifying item are 0.
select
  department_name,
  market,
  category_name,
  cast(count(*) as {{ dbt.type_bigint() }}) as item_count,
  {{ exact_sum('case when is_valid_sale then item_total else 0 end') }} as net_sales,
  {{ exact_sum('case when is_open then item_total else 0 end') }} as open_commitments,
  {{ exact_sum('case when is_fulfilled then item_total else 0 end') }} as fulfilled_sales,
  {{ safe_divide('sum(case when is_fulfilled then 1 else 0 end)', 'count(*)') }} as fulfilment_rate
from {{ ref('int_order_items_enriched') }}
group by department_name, market, category_name
