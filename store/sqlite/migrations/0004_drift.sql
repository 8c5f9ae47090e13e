-- Drift. A drift run keeps its result as JSON; NULL for other kinds (and
-- for runs stored before this migration).
ALTER TABLE plumb_runs ADD COLUMN drift TEXT;
-- Runs filtered by status (what is still queued or running) skip the rest.
CREATE INDEX plumb_runs_status ON plumb_runs (status, created_at);

-- One row per project: its latest check and how long its findings have
-- lasted. Findings and first_seen are JSON: they are read whole, never
-- queried into. Times are NULL when zero.
CREATE TABLE plumb_drift_states (
    repo        TEXT NOT NULL,
    project     TEXT NOT NULL,
    dir         TEXT NOT NULL,
    workspace   TEXT NOT NULL,
    status      TEXT NOT NULL,
    findings    TEXT NOT NULL,
    error       TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    since       TEXT,
    checked_at  TEXT,
    last_clean  TEXT,
    run_id      TEXT NOT NULL,
    commit_sha  TEXT NOT NULL,
    tick        TEXT,
    issue       INTEGER NOT NULL,
    PRIMARY KEY (repo, project)
);

-- Acknowledgements of known drift; expired rows stay until deleted.
CREATE TABLE plumb_drift_acks (
    id         TEXT PRIMARY KEY,
    repo       TEXT NOT NULL,
    project    TEXT NOT NULL,
    address    TEXT NOT NULL,
    findings   TEXT NOT NULL,
    acked_by   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    until_at   TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX plumb_drift_acks_created_at ON plumb_drift_acks (created_at, id);
CREATE INDEX plumb_drift_acks_project ON plumb_drift_acks (repo, project);
