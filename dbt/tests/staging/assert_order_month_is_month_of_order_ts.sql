-- Silver's partition column and the gold `month` (derived from order_ts) must agree, or monthly
-- numbers read from silver partitions and from gold would differ.
select order_item_id, order_ts, order_month
from {{ ref('stg_silver__order_items') }}
where order_month <> {{ month_start('order_ts') }}
