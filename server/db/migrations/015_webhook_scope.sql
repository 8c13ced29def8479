-- An instructor's webhook endpoint: it receives only events of the cohorts that instructor
-- runs (NULL: an admin's endpoint, every event it subscribes to).
ALTER TABLE webhook_endpoints ADD COLUMN scoped_to INTEGER REFERENCES users(id) ON DELETE CASCADE;
CREATE INDEX webhook_endpoints_scoped_to ON webhook_endpoints(scoped_to);
