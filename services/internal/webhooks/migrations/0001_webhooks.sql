-- 0001_webhooks: outgoing webhooks. These tables belong to the notification
-- service and are migrated by webhooks.Migrate, apart from the store's
-- schema; every name starts with webhook_. org_id is the organisation's id
-- without a foreign key, so that this schema can be applied whatever state
-- the store's is in; erasing an organisation deletes its rows here too
-- (Store.DeleteOrganization).

CREATE TABLE webhook_endpoints (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL,
    url         text NOT NULL CHECK (url <> ''),
    -- secret signs every delivery; it must be readable to sign, so it is
    -- kept as is (the database is encrypted at rest with its KMS key).
    secret      text NOT NULL CHECK (length(secret) >= 32),
    event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id);

CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    endpoint_id     uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    org_id          uuid NOT NULL,
    event_id        text NOT NULL,
    event_type      text NOT NULL,
    analysis_id     text NOT NULL,
    -- payload is the exact body signed and sent on every attempt (text, not
    -- jsonb, which would reorder it).
    payload         text NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_status     integer,
    last_error      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- Every notification replica sees every event: the first to enqueue a
    -- delivery wins, the others find it there.
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC);

CREATE TABLE webhook_attempts (
    delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt     integer NOT NULL,
    started_at  timestamptz NOT NULL,
    duration_ms double precision NOT NULL,
    -- status_code is NULL when no response came back (refused, timed out).
    status_code integer,
    error       text NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, attempt)
);

-- webhook_cursors remembers, per organisation, the newest event examined for
-- webhooks, so that a replica that was down or lost its subscription catches
-- up from the event history instead of missing a completion.
CREATE TABLE webhook_cursors (
    org_id  uuid PRIMARY KEY,
    last_ms bigint NOT NULL,
    last_seq bigint NOT NULL
);
