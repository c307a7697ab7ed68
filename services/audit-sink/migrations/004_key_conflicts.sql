-- Messages whose key (cluster_id, topic, partition, offset) was already stored with another
-- payload or key. That happens when a topic is deleted and created again in the same cluster
-- (its offsets restart at 0); an identical replay is not a conflict. Such a message is not
-- inserted over the stored row (the audit trail is append-only) and not skipped either: it is
-- kept whole here, beside what it collided with, counted (LS_AUDIT_KEY_CONFLICT) and logged.
CREATE TABLE order_item_event_conflicts (
  cluster_id             text        NOT NULL,
  topic                  text        NOT NULL,
  partition              integer     NOT NULL,
  "offset"               bigint      NOT NULL,
  -- The message that arrived.
  key                    text,
  payload                jsonb       NOT NULL,
  kafka_timestamp        timestamptz,
  source_file            text,
  source_row             bigint,
  -- The row already stored under the same key.
  stored_key             text,
  stored_payload         jsonb       NOT NULL,
  stored_kafka_timestamp timestamptz,
  stored_source_file     text,
  stored_source_row      bigint,
  stored_loaded_at       timestamptz NOT NULL,
  detected_at            timestamptz NOT NULL DEFAULT now()
);

-- A conflicting message read again (a crash before its offset commit) is recorded once.
CREATE UNIQUE INDEX order_item_event_conflicts_message_idx
  ON order_item_event_conflicts (cluster_id, topic, partition, "offset", (md5(payload::text)));

COMMENT ON TABLE order_item_event_conflicts IS
  'Messages whose audit key was taken by another payload (a recreated topic); see migration 004.';
