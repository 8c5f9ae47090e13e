-- Approvals of policy denials (`plumb approve_policies`), each of one plan
-- run and the hash of its saved plan file; read by run.
CREATE TABLE plumb_policy_approvals (
    id          TEXT PRIMARY KEY,
    repo        TEXT NOT NULL,
    project     TEXT NOT NULL,
    run_id      TEXT NOT NULL,
    plan_sha256 TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX plumb_policy_approvals_run ON plumb_policy_approvals (run_id, created_at);
