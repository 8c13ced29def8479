-- Webhook endpoints and their deliveries (an outbox: a delivery row is written in the same
-- transaction as the event it reports, so a crash loses none).
CREATE TABLE webhook_endpoints (
  id               INTEGER PRIMARY KEY,
  url              TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  -- JSON array of event types this endpoint receives.
  events           TEXT NOT NULL,
  -- whsec_… (Standard Webhooks); the previous one signs too until previous_until (rotation).
  secret           TEXT NOT NULL,
  previous_secret  TEXT,
  previous_until   TEXT,
  enabled          INTEGER NOT NULL DEFAULT 1,
  disabled_reason  TEXT,
  created_by       INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at       TEXT NOT NULL
);

CREATE TABLE webhook_deliveries (
  id               INTEGER PRIMARY KEY,
  endpoint_id      INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  -- webhook-id: the same on every retry, so a receiver can drop duplicates.
  msg_id           TEXT NOT NULL UNIQUE,
  event_type       TEXT NOT NULL,
  payload          TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  TEXT NOT NULL,
  last_attempt_at  TEXT,
  last_status      INTEGER,
  last_error       TEXT,
  delivered_at     TEXT,
  created_at       TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);
