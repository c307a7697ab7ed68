-- The audit copy of the order-items topic: one row per Kafka message, keyed by its position in the
-- log, so that writing the same offsets again inserts nothing (INSERT … ON CONFLICT DO NOTHING).
-- Unqualified names: the runner sets search_path to the configured schema (`bronze` by default).
CREATE TABLE order_item_events (
  topic           text        NOT NULL,
  partition       integer     NOT NULL,
  "offset"        bigint      NOT NULL,
  -- The message key as UTF-8 text (the Order Id for the producer's messages); NULL when absent.
  key             text,
  -- The message value exactly as received, parsed into jsonb.
  payload         jsonb       NOT NULL,
  -- Typed copies of the payload fields that audit queries filter and join on.
  order_item_id   bigint      NOT NULL,
  order_id        bigint      NOT NULL,
  order_status    text        NOT NULL,
  order_date      timestamptz NOT NULL,
  -- When the producer read the source row (the event's `ingested_at`).
  ingested_at     timestamptz NOT NULL,
  -- The Kafka record timestamp; NULL when the broker gives none.
  kafka_timestamp timestamptz,
  -- When this row was written by the audit sink.
  loaded_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT order_item_events_pkey PRIMARY KEY (topic, partition, "offset")
);

-- Serves order_items_latest (per item, the last position in each partition) and item look-ups.
CREATE INDEX order_item_events_item_position_idx
  ON order_item_events (order_item_id, topic, partition, "offset" DESC);

COMMENT ON TABLE order_item_events IS
  'Every message of the order-items topic once, keyed by (topic, partition, offset); written by audit-sink.';
