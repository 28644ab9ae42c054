-- Activation times and standalone scheduled triggers.
--
-- triggers.activated_on: when the trigger last entered ACTIVATED (scheduler clock, epoch
-- seconds); NULL while it is not ACTIVATED, and for triggers activated before this migration
-- (those are scheduled from when a scheduler first saw them, as before).
ALTER TABLE triggers ADD COLUMN activated_on REAL;

-- schedule_state and trigger_fires: workflow_name becomes optional (a SCHEDULED trigger without
-- a workflow starts its jobs and crawlers directly); schedule_state remembers which activation
-- its checked_until belongs to; trigger_fires records what a standalone fire started.
CREATE TABLE schedule_state_new (
    trigger_name  TEXT PRIMARY KEY,
    workflow_name TEXT,                     -- NULL: a standalone trigger
    schedule      TEXT NOT NULL,            -- the expression checked_until refers to
    checked_until REAL NOT NULL,
    first_seen_on REAL NOT NULL,
    activated_on  REAL                      -- the trigger's activated_on it refers to
);
INSERT INTO schedule_state_new(trigger_name, workflow_name, schedule, checked_until,
                               first_seen_on)
    SELECT trigger_name, workflow_name, schedule, checked_until, first_seen_on
    FROM schedule_state;
DROP TABLE schedule_state;
ALTER TABLE schedule_state_new RENAME TO schedule_state;

CREATE TABLE trigger_fires_new (
    trigger_name  TEXT NOT NULL,
    fire_time     REAL NOT NULL,
    workflow_name TEXT,                     -- NULL: a standalone trigger
    kind          TEXT NOT NULL,            -- scheduled | catch-up
    run_id        TEXT,                     -- the workflow run it started
    fired_on      REAL NOT NULL,
    holder        TEXT,
    missed        INTEGER NOT NULL DEFAULT 0, -- fire times that passed unfired (catch-up)
    error         TEXT,                     -- why no run started (the run itself may be ERROR)
    started       TEXT,                     -- standalone: JSON [{JobName, JobRunId} |
                                            -- {CrawlerName, CrawlId}, + ErrorMessage]
    PRIMARY KEY (trigger_name, fire_time)
);
INSERT INTO trigger_fires_new(trigger_name, fire_time, workflow_name, kind, run_id, fired_on,
                              holder, missed, error)
    SELECT trigger_name, fire_time, workflow_name, kind, run_id, fired_on, holder, missed, error
    FROM trigger_fires;
DROP TABLE trigger_fires;
ALTER TABLE trigger_fires_new RENAME TO trigger_fires;
CREATE INDEX IF NOT EXISTS trigger_fires_by_workflow ON trigger_fires(workflow_name, fire_time);
