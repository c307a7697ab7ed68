-- Keys that survive a wiped Kafka, and the producer's source position.
--
-- (topic, partition, offset) names a message only within one Kafka cluster: when Kafka's data is
-- wiped and PostgreSQL's kept, the new topic's offsets start at 0 again and would collide with the
-- old rows. The key now starts with the Kafka cluster id (admin describeCluster, read once when
-- the sink starts). Rows written before this migration cannot know theirs – the cluster that
-- wrote them may be gone – so they keep the placeholder '' ("before cluster ids were recorded"),
-- never the current cluster's id, which would bring the collision back.
ALTER TABLE order_item_events
  ADD COLUMN cluster_id  text NOT NULL DEFAULT '',
  -- The event's `source` (CSV file and 1-based data row): a producer resend after a crash gives
  -- the same source row a new offset, and these columns make it recognisable.
  ADD COLUMN source_file text,
  ADD COLUMN source_row  bigint;
-- Every writer from now on says which cluster a row came from.
ALTER TABLE order_item_events ALTER COLUMN cluster_id DROP DEFAULT;

-- Existing rows carry their source position in the payload.
UPDATE order_item_events
   SET source_file = payload #>> '{source,file}',
       source_row  = (payload #>> '{source,row}')::bigint
 WHERE jsonb_typeof(payload #> '{source,file}') = 'string'
   AND jsonb_typeof(payload #> '{source,row}') = 'number'
   AND payload #>> '{source,row}' ~ '^[0-9]{1,18}$';

ALTER TABLE order_item_events
  DROP CONSTRAINT order_item_events_pkey,
  ADD CONSTRAINT order_item_events_pkey PRIMARY KEY (cluster_id, topic, partition, "offset");

-- One "later version wins" rule everywhere in the pipeline (packages/silver README): the greatest
-- (Kafka timestamp, partition, offset). The order-items topic stamps LogAppendTime, the broker's
-- append time, which grows with the offset within a partition and is comparable across
-- partitions and clusters – so an item that moved partitions (partition count changed) or was
-- sent again to a new cluster is still ordered right. The index serves the view.
DROP INDEX order_item_events_item_position_idx;
CREATE INDEX order_item_events_item_version_idx
  ON order_item_events (order_item_id, kafka_timestamp DESC NULLS LAST, partition DESC, "offset" DESC);

DROP VIEW order_items_latest;
CREATE VIEW order_items_latest AS
SELECT DISTINCT ON (order_item_id) *
FROM order_item_events
ORDER BY order_item_id, kafka_timestamp DESC NULLS LAST, partition DESC, "offset" DESC,
         cluster_id DESC, topic DESC;

COMMENT ON VIEW order_items_latest IS
  'Per order_item_id, the version with the greatest (kafka_timestamp, partition, offset); see migration 003.';

-- Source rows sent more than once to one topic of one cluster: a producer resend (kill -9, then
-- --resume) or the same file produced again. `positions` lists every copy as partition/offset in
-- send order; `distinct_payloads` = 1 means the copies differ at most in ingested_at.
CREATE VIEW order_item_resends AS
SELECT cluster_id, topic, source_file, source_row,
       min(order_item_id) AS order_item_id,
       count(*) AS copies,
       array_agg(partition || '/' || "offset" ORDER BY kafka_timestamp, partition, "offset") AS positions,
       min(kafka_timestamp) AS first_sent_at,
       max(kafka_timestamp) AS last_sent_at,
       count(DISTINCT payload - 'ingested_at') AS distinct_payloads
FROM order_item_events
WHERE source_file IS NOT NULL AND source_row IS NOT NULL
GROUP BY cluster_id, topic, source_file, source_row
HAVING count(*) > 1;

COMMENT ON VIEW order_item_resends IS
  'Source rows (file, row) held at more than one position of one topic: resends or re-runs; see migration 003.';
COMMENT ON TABLE order_item_events IS
  'Every message of the order-items topic once, keyed by (cluster_id, topic, partition, offset); written by audit-sink.';
