CREATE TABLE plumb_events (
    delivery     TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    action       TEXT NOT NULL DEFAULT '',
    repo         TEXT NOT NULL DEFAULT '',
    pr           INTEGER NOT NULL DEFAULT 0,
    event        TEXT NOT NULL,
    payload      BLOB,
    received_at  TEXT NOT NULL,
    status       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    processed_at TEXT
);
CREATE INDEX plumb_events_status ON plumb_events (status, received_at);
CREATE INDEX plumb_events_repo_pr ON plumb_events (repo, pr, received_at);
