-- The queue's events on PostgreSQL: the table of migrations/0001_events.sql
-- (SQLite). Times are UTC RFC 3339 text with a fixed nine-digit fraction
-- in the "C" collation, so they sort as text as in SQLite.
CREATE TABLE plumb_events (
    delivery     TEXT COLLATE "C" PRIMARY KEY,
    kind         TEXT NOT NULL,
    action       TEXT NOT NULL DEFAULT '',
    repo         TEXT COLLATE "C" NOT NULL DEFAULT '',
    pr           BIGINT NOT NULL DEFAULT 0,
    event        TEXT NOT NULL,
    payload      BYTEA,
    received_at  TEXT COLLATE "C" NOT NULL,
    status       TEXT COLLATE "C" NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    processed_at TEXT
);
CREATE INDEX plumb_events_status ON plumb_events (status, received_at);
CREATE INDEX plumb_events_repo_pr ON plumb_events (repo, pr, received_at);
