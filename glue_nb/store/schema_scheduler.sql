-- glue-nb scheduler schema: the scheduler lease, fired schedules, events and event batches.
-- Times are epoch seconds (UTC). fire_time / checked_until / received_on / closed_on are on the
-- scheduler clock (the wall clock unless a test clock is set). Lease times are wall clock.

-- One row per store: the scheduler that may fire triggers. Renewed while it runs.
CREATE TABLE IF NOT EXISTS scheduler_lease (
    name        TEXT PRIMARY KEY,           -- 'default'
    holder      TEXT NOT NULL,              -- the holding scheduler's id (random hex)
    info        TEXT NOT NULL,              -- JSON {host, pid, create_time, started_on}
    acquired_on REAL NOT NULL,
    renewed_on  REAL NOT NULL,
    expires     REAL NOT NULL
);

-- Per ACTIVATED scheduled trigger: fires at or before checked_until have been dealt with.
CREATE TABLE IF NOT EXISTS schedule_state (
    trigger_name  TEXT PRIMARY KEY,
    workflow_name TEXT NOT NULL,
    schedule      TEXT NOT NULL,            -- the expression checked_until refers to
    checked_until REAL NOT NULL,
    first_seen_on REAL NOT NULL
);

-- One row per fire of a scheduled trigger, written in the transaction that starts its run:
-- the primary key makes a second run for one fire time impossible.
CREATE TABLE IF NOT EXISTS trigger_fires (
    trigger_name  TEXT NOT NULL,
    fire_time     REAL NOT NULL,
    workflow_name TEXT NOT NULL,
    kind          TEXT NOT NULL,            -- scheduled | catch-up
    run_id        TEXT,
    fired_on      REAL NOT NULL,
    holder        TEXT,
    missed        INTEGER NOT NULL DEFAULT 0, -- fire times that passed unfired (catch-up)
    error         TEXT,                     -- why no run started (the run itself may be ERROR)
    PRIMARY KEY (trigger_name, fire_time)
);
CREATE INDEX IF NOT EXISTS trigger_fires_by_workflow ON trigger_fires(workflow_name, fire_time);

-- Events for EVENT start triggers, stored as they arrive; run_id is set in the transaction
-- that starts the run of their batch.
CREATE TABLE IF NOT EXISTS events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      TEXT NOT NULL UNIQUE,
    workflow_name TEXT NOT NULL,
    source        TEXT NOT NULL,
    detail_type   TEXT NOT NULL,
    detail        TEXT NOT NULL,            -- JSON
    received_on   REAL NOT NULL,
    batch_id      INTEGER,
    run_id        TEXT
);
CREATE INDEX IF NOT EXISTS events_pending ON events(workflow_name, batch_id, seq);

CREATE TABLE IF NOT EXISTS event_batches (
    batch_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    trigger_name  TEXT NOT NULL,
    workflow_name TEXT NOT NULL,
    run_id        TEXT NOT NULL,
    closed_on     REAL NOT NULL,
    size          INTEGER NOT NULL,
    condition     TEXT NOT NULL,            -- JSON StartingEventBatchCondition
    holder        TEXT
);
CREATE INDEX IF NOT EXISTS event_batches_by_trigger ON event_batches(trigger_name, closed_on);

-- Folder watches: files already turned into events (so a restart posts only newcomers).
CREATE TABLE IF NOT EXISTS watched_files (
    workflow_name TEXT NOT NULL,
    path          TEXT NOT NULL,
    inode         INTEGER,
    event_id      TEXT,                     -- NULL: present when the watch was first set up
    seen_on       REAL NOT NULL,
    PRIMARY KEY (workflow_name, path)
);
CREATE TABLE IF NOT EXISTS folder_watches (
    workflow_name TEXT NOT NULL,
    folder        TEXT NOT NULL,
    created_on    REAL NOT NULL,
    PRIMARY KEY (workflow_name, folder)
);
