-- What each notebook job run's kernel recorded, its static part, and the reuse decision.
--
-- static_key: a hash of the run's static part (code cells, typed parameters, kernel); static:
-- that part as JSON (for `why`). trace: JSON of what the run read and wrote, its packages,
-- kernel and unknown reads (glue_nb.reuse.trace); NULL until the run ends with a trace.
-- decision: JSON {"reuse": bool, "changes": [...], "compared_with": job run id} made before
-- the run started (NULL when reuse was off). reused_from: the job run whose results a reused
-- run took (always the original, never another reused run).
CREATE TABLE IF NOT EXISTS traces (
    job_run_id  TEXT PRIMARY KEY,
    job_name    TEXT NOT NULL,
    static_key  TEXT,
    static      TEXT,
    trace       TEXT,
    decision    TEXT,
    reused_from TEXT,
    recorded_on REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS traces_by_static ON traces(job_name, static_key);
