-- Issue 18: the seed expects up to a fifth of a programme's activities to be unplanned
-- (they come up as trust grows); an activity says whether it was in the agreed action plan.
ALTER TABLE activities ADD COLUMN plan TEXT NOT NULL DEFAULT 'planned'
    CHECK (plan IN ('planned', 'unplanned'));
