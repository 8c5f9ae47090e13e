-- Each project's newest run of a kind and status (LatestRuns: the
-- estate's last applies) read from the index alone: it carries the id the
-- newest is picked by, so no run row is read but the ones returned.
DROP INDEX plumb_runs_latest;
CREATE INDEX plumb_runs_latest ON plumb_runs (kind, status, repo, project, created_at, id);
