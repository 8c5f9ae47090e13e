-- The dashboard and its API: each project's newest run of a kind and
-- status (the estate's last apply), a project's history by kind, and the
-- audit trail by project and by actor, each newest first.
CREATE INDEX plumb_runs_latest ON plumb_runs (kind, status, repo, project, created_at);
CREATE INDEX plumb_runs_project_kind ON plumb_runs (project, kind, created_at);
CREATE INDEX plumb_audit_project ON plumb_audit (project, at);
CREATE INDEX plumb_audit_actor ON plumb_audit (actor, at);
