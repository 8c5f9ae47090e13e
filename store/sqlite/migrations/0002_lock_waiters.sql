-- Who waits in line for a held lock: owners refresh their row on each try;
-- a row past expires_at no longer counts.
CREATE TABLE plumb_lock_waiters (
    repo       TEXT NOT NULL,
    dir        TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    project    TEXT NOT NULL,
    owner      TEXT NOT NULL,
    since      TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (repo, dir, workspace, owner)
);
CREATE INDEX plumb_lock_waiters_owner ON plumb_lock_waiters (owner);
