-- One row per order item, with what every mart needs beside its measures: the order month, the
-- product's names, the destination market, and the gold contract's status classes as booleans.
-- Dimensions are left-joined so that an item whose dimension row is missing still counts (the
-- relationships tests on staging report it).
with order_items as (
  select * from {{ ref('stg_silver__order_items') }}
),

products as (
  select * from {{ ref('stg_silver__products') }}
),

geographies as (
  select * from {{ ref('stg_silver__geographies') }}
)

select
  order_items.order_item_id,
  order_items.order_id,
  order_items.customer_id,
  order_items.product_card_id,
  order_items.order_ts,
  {{ month_start('order_items.order_ts') }} as month,
  products.product_name,
  products.category_name,
  products.department_name,
  geographies.market,
  order_items.order_status,
  order_items.payment_type,
  order_items.shipping_mode,
  order_items.delivery_status,
  order_items.quantity,
  order_items.item_total,
  order_items.profit,
  order_items.days_shipping_real,
  order_items.days_shipping_scheduled,
  order_items.late_delivery_risk,
  order_items.order_status not in ('CANCELED', 'SUSPECTED_FRAUD') as is_valid_sale,
  order_items.order_status in (
    'PENDING', 'PENDING_PAYMENT', 'PROCESSING', 'ON_HOLD', 'PAYMENT_REVIEW'
  ) as is_open,
  order_items.order_status in ('COMPLETE', 'CLOSED') as is_fulfilled,
  order_items.order_status in ('PENDING_PAYMENT', 'PAYMENT_REVIEW') as is_awaiting_payment
from order_items
left join products
  on order_items.product_card_id = products.product_card_id
left join geographies
  on order_items.geography_key = geographies.geography_key
