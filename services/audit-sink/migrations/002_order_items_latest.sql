-- The latest version of each order item.
--
-- The producer keys every message by Order Id, so all versions of an order's items land in one
-- partition, in the order they were produced: within a partition the offset is the truth, and the
-- latest version is the one with the highest offset. The first step below takes that per
-- (item, topic, partition). Only when an item appears in more than one partition – after the
-- topic's partition count changed (which remaps keys) or a producer keyed differently – does the
-- second step have to choose between partitions; offsets of different partitions are not
-- comparable, so it takes the most recent Kafka timestamp there (then the higher partition, for a
-- deterministic answer).
CREATE VIEW order_items_latest AS
WITH latest_per_partition AS (
  SELECT DISTINCT ON (order_item_id, topic, partition) *
  FROM order_item_events
  ORDER BY order_item_id, topic, partition, "offset" DESC
)
SELECT DISTINCT ON (order_item_id) *
FROM latest_per_partition
ORDER BY order_item_id, kafka_timestamp DESC NULLS LAST, topic DESC, partition DESC;

COMMENT ON VIEW order_items_latest IS
  'Per order_item_id, the row at the highest offset of its partition (see migration 002 for the rule).';
