-- 0001_init: the platform's schema. Every tenant table carries org_id so that
-- every query can filter by it, and every child row references its parent
-- with ON DELETE CASCADE so that retention and erasure delete whole trees.

CREATE TABLE organizations (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name           text NOT NULL CHECK (name <> ''),
    -- 0 keeps analyses forever; otherwise finished analyses older than this
    -- many days are archived to object storage and purged.
    retention_days integer NOT NULL DEFAULT 0 CHECK (retention_days >= 0),
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- Stored lower-cased by the store so that uniqueness ignores case.
    email         text NOT NULL UNIQUE CHECK (email <> ''),
    password_hash text NOT NULL DEFAULT '',
    role          text NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_org_idx ON users (org_id);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- key_id is the public part of the key a client presents; the secret
    -- part is only ever stored as its SHA-256.
    key_id       text NOT NULL UNIQUE CHECK (key_id <> ''),
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    secret_hash  bytea NOT NULL CHECK (length(secret_hash) = 32),
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_org_idx ON api_keys (org_id);

CREATE TABLE projects (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (name <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, name),
    -- Lets children reference (org_id, id) so a row can never point at a
    -- project of another organisation.
    UNIQUE (org_id, id)
);

CREATE TABLE analyses (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id          uuid NOT NULL,
    project_id      uuid NOT NULL,
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN
                    ('queued', 'parsing', 'analysing', 'scoring', 'completed', 'failed', 'cancelled')),
    progress        smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    source_hash     text NOT NULL,
    idempotency_key text,
    blob_key        text NOT NULL DEFAULT '',
    entry_files     text[] NOT NULL DEFAULT '{}',
    remappings      text[] NOT NULL DEFAULT '{}',
    tools           text[] NOT NULL DEFAULT '{}',
    error           text NOT NULL DEFAULT '',
    created_by      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    queued_at       timestamptz NOT NULL DEFAULT now(),
    parsing_at      timestamptz,
    analysing_at    timestamptz,
    scoring_at      timestamptz,
    finished_at     timestamptz,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE
);
-- NULL keys never collide, so analyses without an idempotency key are free.
CREATE UNIQUE INDEX analyses_idempotency_idx ON analyses (org_id, idempotency_key);
CREATE INDEX analyses_org_created_idx ON analyses (org_id, created_at DESC, id DESC);
CREATE INDEX analyses_cache_idx ON analyses (org_id, source_hash, finished_at DESC) WHERE state = 'completed';
CREATE INDEX analyses_retention_idx ON analyses (org_id, finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE parse_summaries (
    analysis_id       uuid PRIMARY KEY,
    org_id            uuid NOT NULL,
    source_files      jsonb NOT NULL DEFAULT '[]',
    ast_summary       jsonb NOT NULL DEFAULT '{}',
    import_graph      jsonb NOT NULL DEFAULT '{}',
    inheritance_graph jsonb NOT NULL DEFAULT '{}',
    updated_at        timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (org_id, analysis_id) REFERENCES analyses (org_id, id) ON DELETE CASCADE
);

CREATE TABLE tool_runs (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL,
    analysis_id uuid NOT NULL,
    tool        text NOT NULL CHECK (tool <> ''),
    state       text NOT NULL CHECK (state IN
                ('queued', 'running', 'succeeded', 'failed', 'unavailable', 'cancelled')),
    attempt     integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    started_at  timestamptz,
    finished_at timestamptz,
    duration_ms bigint NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
    error       text NOT NULL DEFAULT '',
    version     text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (analysis_id, tool),
    FOREIGN KEY (org_id, analysis_id) REFERENCES analyses (org_id, id) ON DELETE CASCADE
);

-- A finding is one issue in one project, identified by its fingerprint: a
-- later analysis of the same project that reports the same issue updates the
-- row (and keeps its triage status) instead of adding another.
CREATE TABLE findings (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id            uuid NOT NULL,
    project_id        uuid NOT NULL,
    first_analysis_id uuid NOT NULL,
    last_analysis_id  uuid NOT NULL,
    detector          text NOT NULL,
    title             text NOT NULL,
    severity          smallint NOT NULL CHECK (severity BETWEEN 1 AND 4),
    confidence        smallint NOT NULL CHECK (confidence BETWEEN 1 AND 3),
    swc               text NOT NULL DEFAULT '',
    dasp              text NOT NULL DEFAULT '',
    description       text NOT NULL DEFAULT '',
    recommendation    text NOT NULL DEFAULT '',
    help_url          text NOT NULL DEFAULT '',
    message           text NOT NULL,
    contract          text NOT NULL DEFAULT '',
    function          text NOT NULL DEFAULT '',
    file              text NOT NULL DEFAULT '',
    locations         jsonb NOT NULL DEFAULT '[]',
    fingerprint       text NOT NULL CHECK (fingerprint <> ''),
    tools             text[] NOT NULL DEFAULT '{}',
    score             double precision NOT NULL DEFAULT 0,
    evidence          jsonb NOT NULL DEFAULT '[]',
    status            text NOT NULL DEFAULT 'open' CHECK (status IN
                      ('open', 'confirmed', 'false_positive', 'fixed', 'suppressed')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, fingerprint),
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE
);
CREATE INDEX findings_org_order_idx ON findings (org_id, severity DESC, score DESC, id DESC);

-- Which analyses reported which findings: the list of an analysis' findings
-- and what retention follows when it purges an analysis.
CREATE TABLE analysis_findings (
    analysis_id uuid NOT NULL,
    finding_id  uuid NOT NULL,
    org_id      uuid NOT NULL,
    PRIMARY KEY (analysis_id, finding_id),
    FOREIGN KEY (org_id, analysis_id) REFERENCES analyses (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, finding_id) REFERENCES findings (org_id, id) ON DELETE CASCADE
);
CREATE INDEX analysis_findings_finding_idx ON analysis_findings (finding_id);

CREATE TABLE triage_decisions (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id     uuid NOT NULL,
    finding_id uuid NOT NULL,
    user_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    decision   text NOT NULL CHECK (decision IN
               ('open', 'confirmed', 'false_positive', 'fixed', 'suppressed')),
    previous   text NOT NULL,
    reason     text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (org_id, finding_id) REFERENCES findings (org_id, id) ON DELETE CASCADE
);
CREATE INDEX triage_decisions_finding_idx ON triage_decisions (finding_id, created_at);

-- The intelligence engine's learned precision per detector. Counts are
-- aggregates over every organisation and hold no tenant data, so they are
-- neither scoped by organisation nor erased with one.
CREATE TABLE detector_stats (
    tool            text NOT NULL,
    detector        text NOT NULL,
    confirmed       bigint NOT NULL DEFAULT 0 CHECK (confirmed >= 0),
    false_positives bigint NOT NULL DEFAULT 0 CHECK (false_positives >= 0),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tool, detector)
);

-- Append-only: no foreign key to organizations, so entries (and the
-- tombstone an erasure leaves) outlive the organisation.
CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     uuid NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL CHECK (action <> ''),
    target     text NOT NULL DEFAULT '',
    details    jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_org_idx ON audit_log (org_id, id DESC);

-- Nothing may rewrite history except an organisation's erasure, which sets
-- solsec.audit_erasure for its own transaction only (set_config(..., true)).
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('solsec.audit_erasure', true) = 'on' AND TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
