-- The ledger: one owner row per process that drives work, one heartbeat for all of it.
--
-- owners: a process that drives workflow runs, job runs or crawls. Any reader tells a live owner
-- from a dead one by asking the operating system (same host: pid + process start time) or by
-- its heartbeat (another host). When an owner is gone, everything it drove is ended in one
-- transaction, saying so.
CREATE TABLE IF NOT EXISTS owners (
    token        TEXT PRIMARY KEY,          -- unique to the process
    host         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    create_time  REAL NOT NULL,             -- the process's start time (a reused pid is not it)
    started_on   REAL NOT NULL,             -- when it first owned work in this store
    heartbeat_on REAL NOT NULL
);

-- Every run, job run and crawl names the process that drives it (the job runs and crawls of a
-- workflow run: the run's owner). The JSON columns owner/heartbeat_on of earlier versions are
-- no longer written.
ALTER TABLE workflow_runs ADD COLUMN owner_token TEXT;
ALTER TABLE job_runs ADD COLUMN owner_token TEXT;
ALTER TABLE crawls ADD COLUMN owner_token TEXT;
CREATE INDEX IF NOT EXISTS crawls_by_state ON crawls(state);

-- Glue's job run fields that glue-nb records as given but does not act on (WorkerType,
-- NumberOfWorkers, MaxCapacity, ...): a JSON object.
ALTER TABLE job_runs ADD COLUMN glue_fields TEXT;
