{{ config(severity='warn') }}
-- Customer, status, payment type and destination belong to the order, not the item (the source
-- repeats them on each item). The gold distinct-order counts assume it: an order whose items
-- disagree would count once in each class it has an item in.
select order_id
from {{ ref('stg_silver__order_items') }}
group by order_id
having count(distinct customer_id) > 1
  or count(distinct order_status) > 1
  or count(distinct payment_type) > 1
  or count(distinct geography_key) > 1
  or count(distinct order_ts) > 1
