-- plumb's store on PostgreSQL: the schema of store/sqlite's migrations
-- 0001-0006 in one. Times are UTC RFC 3339 text with a fixed nine-digit
-- fraction (nanoseconds round-trip; timestamptz has microseconds) in the
-- "C" collation, so they sort as text; so are keys, names and IDs, so
-- order never depends on the database's locale. JSON is text: read whole.

-- Runs: one plan, apply or drift check of one project at one commit.
CREATE TABLE plumb_runs (
    id              TEXT COLLATE "C" PRIMARY KEY,
    repo            TEXT COLLATE "C" NOT NULL,
    project         TEXT COLLATE "C" NOT NULL,
    dir             TEXT COLLATE "C" NOT NULL,
    workspace       TEXT COLLATE "C" NOT NULL,
    kind            TEXT COLLATE "C" NOT NULL,
    status          TEXT COLLATE "C" NOT NULL,
    triggered_by    TEXT COLLATE "C" NOT NULL,
    commit_sha      TEXT COLLATE "C" NOT NULL,
    base_sha        TEXT NOT NULL,
    engine          TEXT NOT NULL,
    engine_version  TEXT NOT NULL,
    summary_add     BIGINT NOT NULL,
    summary_change  BIGINT NOT NULL,
    summary_destroy BIGINT NOT NULL,
    summary_replace BIGINT NOT NULL,
    summary_import  BIGINT NOT NULL,
    changes_outside BIGINT NOT NULL,
    resources       TEXT NOT NULL,
    plan_text       TEXT NOT NULL,
    plan_sha256     TEXT NOT NULL,
    policy          TEXT,
    replanned       TEXT NOT NULL,
    error           TEXT NOT NULL,
    blocked_by      TEXT NOT NULL,
    created_at      TEXT COLLATE "C" NOT NULL,
    started_at      TEXT COLLATE "C",
    finished_at     TEXT COLLATE "C",
    -- An apply names the plan it applied and the differences (JSON).
    plan_id         TEXT NOT NULL DEFAULT '',
    differences     TEXT NOT NULL DEFAULT '[]',
    -- A drift run's result as JSON; NULL for other kinds.
    drift           TEXT
);
CREATE INDEX plumb_runs_created_at ON plumb_runs (created_at, id);
CREATE INDEX plumb_runs_project ON plumb_runs (project, created_at);
CREATE INDEX plumb_runs_repo ON plumb_runs (repo, created_at);
CREATE INDEX plumb_runs_commit ON plumb_runs (commit_sha);
CREATE INDEX plumb_runs_status ON plumb_runs (status, created_at);
CREATE INDEX plumb_runs_latest ON plumb_runs (kind, status, repo, project, created_at);
CREATE INDEX plumb_runs_project_kind ON plumb_runs (project, kind, created_at);

CREATE TABLE plumb_run_logs (
    run_id TEXT COLLATE "C" NOT NULL REFERENCES plumb_runs (id) ON DELETE CASCADE,
    seq    BIGINT NOT NULL,
    line   TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- Locks: at most one holder per repo, project dir and workspace.
CREATE TABLE plumb_locks (
    id          TEXT COLLATE "C" PRIMARY KEY,
    repo        TEXT COLLATE "C" NOT NULL,
    dir         TEXT COLLATE "C" NOT NULL,
    workspace   TEXT COLLATE "C" NOT NULL,
    project     TEXT NOT NULL,
    owner       TEXT COLLATE "C" NOT NULL,
    reason      TEXT NOT NULL,
    run_id      TEXT NOT NULL,
    acquired_at TEXT COLLATE "C" NOT NULL,
    UNIQUE (repo, dir, workspace)
);
CREATE INDEX plumb_locks_owner ON plumb_locks (owner);

-- Who waits in line for a held lock: owners refresh their row on each try;
-- a row past expires_at no longer counts.
CREATE TABLE plumb_lock_waiters (
    repo       TEXT COLLATE "C" NOT NULL,
    dir        TEXT COLLATE "C" NOT NULL,
    workspace  TEXT COLLATE "C" NOT NULL,
    project    TEXT NOT NULL,
    owner      TEXT COLLATE "C" NOT NULL,
    since      TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (repo, dir, workspace, owner)
);
CREATE INDEX plumb_lock_waiters_owner ON plumb_lock_waiters (owner);

-- Audit: append-only; run_id is not a foreign key so the trail outlives runs.
CREATE TABLE plumb_audit (
    id         TEXT COLLATE "C" PRIMARY KEY,
    at         TEXT COLLATE "C" NOT NULL,
    actor      TEXT COLLATE "C" NOT NULL,
    action     TEXT COLLATE "C" NOT NULL,
    repo       TEXT COLLATE "C" NOT NULL,
    project    TEXT COLLATE "C" NOT NULL,
    commit_sha TEXT NOT NULL,
    run_id     TEXT NOT NULL,
    result     TEXT NOT NULL
);
CREATE INDEX plumb_audit_at ON plumb_audit (at, id);
CREATE INDEX plumb_audit_project ON plumb_audit (project, at);
CREATE INDEX plumb_audit_actor ON plumb_audit (actor, at);

-- One row per project: its latest check and how long its findings have
-- lasted. Findings and first_seen are JSON. Times are NULL when zero.
CREATE TABLE plumb_drift_states (
    repo        TEXT COLLATE "C" NOT NULL,
    project     TEXT COLLATE "C" NOT NULL,
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
    issue       BIGINT NOT NULL,
    PRIMARY KEY (repo, project)
);

-- Acknowledgements of known drift; expired rows stay until deleted.
CREATE TABLE plumb_drift_acks (
    id         TEXT COLLATE "C" PRIMARY KEY,
    repo       TEXT COLLATE "C" NOT NULL,
    project    TEXT COLLATE "C" NOT NULL,
    address    TEXT NOT NULL,
    findings   TEXT NOT NULL,
    acked_by   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    until_at   TEXT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX plumb_drift_acks_created_at ON plumb_drift_acks (created_at, id);
CREATE INDEX plumb_drift_acks_project ON plumb_drift_acks (repo, project);

-- Approvals of policy denials, each of one plan run and the hash of its
-- saved plan file; read by run.
CREATE TABLE plumb_policy_approvals (
    id          TEXT COLLATE "C" PRIMARY KEY,
    repo        TEXT NOT NULL,
    project     TEXT NOT NULL,
    run_id      TEXT COLLATE "C" NOT NULL,
    plan_sha256 TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX plumb_policy_approvals_run ON plumb_policy_approvals (run_id, created_at);
