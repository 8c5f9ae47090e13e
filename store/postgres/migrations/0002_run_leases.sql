-- Each unfinished run is leased to the process working on it, which
-- renews the lease; a run whose lease ended is its dead process's, and is
-- marked interrupted by whoever claims it. '' is no lease (expired).
ALTER TABLE plumb_runs ADD COLUMN lease_owner TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE plumb_runs ADD COLUMN lease_expires TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX plumb_runs_lease ON plumb_runs (status, lease_expires);
