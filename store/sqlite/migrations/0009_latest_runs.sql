-- Each project's newest run of each kind and status, kept by triggers as
-- runs are written, so the estate's last applies (LatestRuns by kind and
-- status) read one row per project instead of every applied run. The
-- newest is the largest created_at || id, as in Runs and LatestRuns.
CREATE TABLE plumb_latest_runs (
    repo       TEXT NOT NULL,
    project    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL,
    run_id     TEXT NOT NULL,
    newest     TEXT NOT NULL, -- created_at || id of run_id
    PRIMARY KEY (kind, status, repo, project)
) WITHOUT ROWID;

INSERT INTO plumb_latest_runs (repo, project, kind, status, run_id, newest)
SELECT repo, project, kind, status, id, MAX(created_at || id) FROM plumb_runs GROUP BY kind, status, repo, project;

-- A run that is the newest of its group takes the group's row.
CREATE TRIGGER plumb_latest_runs_insert AFTER INSERT ON plumb_runs BEGIN
    INSERT INTO plumb_latest_runs (repo, project, kind, status, run_id, newest)
    VALUES (NEW.repo, NEW.project, NEW.kind, NEW.status, NEW.id, NEW.created_at || NEW.id)
    ON CONFLICT (kind, status, repo, project) DO UPDATE SET run_id = excluded.run_id, newest = excluded.newest
    WHERE excluded.newest > plumb_latest_runs.newest;
END;

-- A run that changes group (its status, mostly) joins the new one as an
-- insert would, and the group it left is worked out again from the index
-- when the run was that group's newest.
CREATE TRIGGER plumb_latest_runs_update AFTER UPDATE OF repo, project, kind, status ON plumb_runs
WHEN OLD.repo IS NOT NEW.repo OR OLD.project IS NOT NEW.project OR OLD.kind IS NOT NEW.kind OR OLD.status IS NOT NEW.status
BEGIN
    INSERT INTO plumb_latest_runs (repo, project, kind, status, run_id, newest)
    VALUES (NEW.repo, NEW.project, NEW.kind, NEW.status, NEW.id, NEW.created_at || NEW.id)
    ON CONFLICT (kind, status, repo, project) DO UPDATE SET run_id = excluded.run_id, newest = excluded.newest
    WHERE excluded.newest > plumb_latest_runs.newest;
    DELETE FROM plumb_latest_runs
    WHERE kind = OLD.kind AND status = OLD.status AND repo = OLD.repo AND project = OLD.project AND run_id = OLD.id;
    INSERT INTO plumb_latest_runs (repo, project, kind, status, run_id, newest)
    SELECT repo, project, kind, status, id, created_at || id FROM plumb_runs
    WHERE kind = OLD.kind AND status = OLD.status AND repo = OLD.repo AND project = OLD.project
    ORDER BY created_at DESC, id DESC LIMIT 1
    ON CONFLICT (kind, status, repo, project) DO NOTHING;
END;

CREATE TRIGGER plumb_latest_runs_delete AFTER DELETE ON plumb_runs BEGIN
    DELETE FROM plumb_latest_runs
    WHERE kind = OLD.kind AND status = OLD.status AND repo = OLD.repo AND project = OLD.project AND run_id = OLD.id;
    INSERT INTO plumb_latest_runs (repo, project, kind, status, run_id, newest)
    SELECT repo, project, kind, status, id, created_at || id FROM plumb_runs
    WHERE kind = OLD.kind AND status = OLD.status AND repo = OLD.repo AND project = OLD.project
    ORDER BY created_at DESC, id DESC LIMIT 1
    ON CONFLICT (kind, status, repo, project) DO NOTHING;
END;
