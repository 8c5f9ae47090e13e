-- An apply names the plan it applied (or the new plan it kept when that
-- differed from the reviewed one) and the differences.
ALTER TABLE plumb_runs ADD COLUMN plan_id TEXT NOT NULL DEFAULT '';
ALTER TABLE plumb_runs ADD COLUMN differences TEXT NOT NULL DEFAULT '[]';
