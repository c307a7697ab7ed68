-- One row per order item. Silver already keeps one row per Order Item Id; the deduplication here
-- (the greatest (kafka_timestamp, kafka_partition, kafka_offset) wins, as in silver) only guards the gold numbers against a warehouse whose
-- primary key is not enforced (BigQuery) and a loader that appended twice.
with ranked as (
  select
    *,
    row_number() over (
      partition by order_item_id
      order by kafka_timestamp desc, kafka_partition desc, kafka_offset desc, silver_batch_id desc
    ) as version_rank
  from {{ source('silver', 'fct_order_items') }}
)

select
  order_item_id,
  order_id,
  customer_id,
  product_card_id,
  geography_key,
  order_date_key,
  shipping_date_key,
  order_ts,
  shipping_ts,
  order_month,
  quantity,
  product_price,
  discount,
  discount_rate,
  sales,
  item_total,
  profit,
  profit_ratio,
  days_shipping_real,
  days_shipping_scheduled,
  delivery_status,
  late_delivery_risk,
  order_status,
  payment_type,
  shipping_mode,
  customer_segment,
  kafka_topic,
  kafka_partition,
  kafka_offset,
  kafka_timestamp,
  silver_batch_id
from ranked
where version_rank = 1
