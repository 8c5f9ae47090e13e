-- Runs: one plan, apply or drift check of one project at one commit.
-- Times are UTC RFC 3339 text with fixed nanoseconds, so they sort as text.
CREATE TABLE plumb_runs (
    id              TEXT PRIMARY KEY,
    repo            TEXT NOT NULL,
    project         TEXT NOT NULL,
    dir             TEXT NOT NULL,
    workspace       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    triggered_by    TEXT NOT NULL,
    commit_sha      TEXT NOT NULL,
    base_sha        TEXT NOT NULL,
    engine          TEXT NOT NULL,
    engine_version  TEXT NOT NULL,
    summary_add     INTEGER NOT NULL,
    summary_change  INTEGER NOT NULL,
    summary_destroy INTEGER NOT NULL,
    summary_replace INTEGER NOT NULL,
    summary_import  INTEGER NOT NULL,
    changes_outside INTEGER NOT NULL,
    resources       TEXT NOT NULL,
    plan_text       TEXT NOT NULL,
    plan_sha256     TEXT NOT NULL,
    policy          TEXT,
    replanned       TEXT NOT NULL,
    error           TEXT NOT NULL,
    blocked_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    started_at      TEXT,
    finished_at     TEXT
);
CREATE INDEX plumb_runs_created_at ON plumb_runs (created_at, id);
CREATE INDEX plumb_runs_project ON plumb_runs (project, created_at);
CREATE INDEX plumb_runs_repo ON plumb_runs (repo, created_at);
CREATE INDEX plumb_runs_commit ON plumb_runs (commit_sha);

CREATE TABLE plumb_run_logs (
    run_id TEXT NOT NULL REFERENCES plumb_runs (id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    line   TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- Locks: at most one holder per repo, project dir and workspace.
CREATE TABLE plumb_locks (
    id          TEXT PRIMARY KEY,
    repo        TEXT NOT NULL,
    dir         TEXT NOT NULL,
    workspace   TEXT NOT NULL,
    project     TEXT NOT NULL,
    owner       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    run_id      TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    UNIQUE (repo, dir, workspace)
);
CREATE INDEX plumb_locks_owner ON plumb_locks (owner);

-- Audit: append-only; run_id is not a foreign key so the trail outlives runs.
CREATE TABLE plumb_audit (
    id         TEXT PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    repo       TEXT NOT NULL,
    project    TEXT NOT NULL,
    commit_sha TEXT NOT NULL,
    run_id     TEXT NOT NULL,
    result     TEXT NOT NULL
);
CREATE INDEX plumb_audit_at ON plumb_audit (at, id);
