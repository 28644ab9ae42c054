-- Job bookmarks (Glue's --job-bookmark-option): what each job has processed, kept per job.
--
-- job_bookmarks: one entry per job that has a bookmark: Glue's JobBookmarkEntry counters.
-- version counts the changes of the entry (each advance and each reset), run the job runs that
-- advanced it (a rewind sets it back to the run rewound to), attempt the Attempt of the job run
-- that last advanced it; run_id / previous_run_id: that job run and the one that advanced it
-- before (NULL after a full reset).
CREATE TABLE IF NOT EXISTS job_bookmarks (
    job_name        TEXT PRIMARY KEY,
    version         INTEGER NOT NULL,
    run             INTEGER NOT NULL,
    attempt         INTEGER NOT NULL,
    run_id          TEXT,
    previous_run_id TEXT,
    updated_on      REAL NOT NULL
);

-- Each job run that advanced a bookmark, with the entry as it stood after it (what a reset to
-- that RunId goes back to). A rewind deletes the runs after the one rewound to.
CREATE TABLE IF NOT EXISTS job_bookmark_runs (
    job_name        TEXT NOT NULL,
    run_id          TEXT NOT NULL,
    run             INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    attempt         INTEGER NOT NULL,
    previous_run_id TEXT,
    recorded_on     REAL NOT NULL,
    PRIMARY KEY (job_name, run_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS bookmark_runs_by_number ON job_bookmark_runs(job_name, run);

-- The files a job has processed: each file (an absolute path or a URL) as it was when a
-- successful run was handed it (mtime_ns, size), under which source folder, and by which run
-- (its Run number). The bookmark at Run N is, per file, its row with the highest run <= N.
CREATE TABLE IF NOT EXISTS job_bookmark_files (
    job_name  TEXT NOT NULL,
    location  TEXT NOT NULL,
    run       INTEGER NOT NULL,
    source    TEXT NOT NULL,
    mtime_ns  INTEGER,
    size      INTEGER,
    PRIMARY KEY (job_name, location, run)
);
