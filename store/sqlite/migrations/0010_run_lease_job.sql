-- The queue's job an unfinished run was made for: whoever recovers the
-- run hands that job to another replica at once, rather than after the
-- queue's own rescue time.
ALTER TABLE plumb_runs ADD COLUMN lease_job TEXT NOT NULL DEFAULT '';
