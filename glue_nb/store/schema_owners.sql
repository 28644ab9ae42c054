-- Ownership of what runs outside a workflow run: a standalone crawl records the process that runs
-- it, and standalone crawls and job runs carry a heartbeat, so that any reader (on this host or
-- another) can tell when that process is gone and end them with a message saying so.
ALTER TABLE crawls ADD COLUMN owner TEXT;
ALTER TABLE crawls ADD COLUMN heartbeat_on REAL;
ALTER TABLE job_runs ADD COLUMN heartbeat_on REAL;
