-- glue-nb core schema: definitions, runs, job runs. Times are epoch seconds (UTC).
CREATE TABLE IF NOT EXISTS workflows (
    name             TEXT PRIMARY KEY,
    body             TEXT NOT NULL,          -- Glue-shaped Workflow dict (JSON), without runs/graph
    created_on       REAL NOT NULL,
    last_modified_on REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    name             TEXT PRIMARY KEY,
    body             TEXT NOT NULL,          -- Glue-shaped Job dict (JSON)
    created_on       REAL NOT NULL,
    last_modified_on REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS triggers (
    name          TEXT PRIMARY KEY,
    workflow_name TEXT,
    type          TEXT NOT NULL,
    state         TEXT NOT NULL,
    body          TEXT NOT NULL              -- Glue-shaped Trigger dict (JSON)
);
CREATE INDEX IF NOT EXISTS triggers_by_workflow ON triggers(workflow_name);

CREATE TABLE IF NOT EXISTS workflow_runs (
    run_id          TEXT PRIMARY KEY,
    workflow_name   TEXT NOT NULL,
    previous_run_id TEXT,
    status          TEXT NOT NULL,           -- RUNNING | COMPLETED | STOPPING | STOPPED | ERROR
    started_on      REAL NOT NULL,
    completed_on    REAL,
    error_message   TEXT,
    run_properties  TEXT NOT NULL,           -- JSON {str: str}
    design          TEXT NOT NULL,           -- JSON snapshot: triggers and nodes at start
    fired_triggers  TEXT NOT NULL DEFAULT '{}', -- unused since schema_fires.sql (run_fired_triggers)
    start_condition TEXT,                    -- JSON StartingEventBatchCondition
    owner           TEXT,                    -- JSON {host, pid, create_time, token}
    heartbeat_on    REAL,
    options         TEXT NOT NULL DEFAULT '{}' -- JSON: executor, resumed node ids, ...
);
CREATE INDEX IF NOT EXISTS runs_by_workflow ON workflow_runs(workflow_name, started_on);
CREATE INDEX IF NOT EXISTS runs_by_status ON workflow_runs(status);

CREATE TABLE IF NOT EXISTS job_runs (
    id               TEXT PRIMARY KEY,
    job_name         TEXT NOT NULL,
    workflow_name    TEXT,
    workflow_run_id  TEXT,
    node_id          TEXT,
    trigger_name     TEXT,
    attempt          INTEGER NOT NULL DEFAULT 0,
    previous_run_id  TEXT,
    state            TEXT NOT NULL,
    arguments        TEXT NOT NULL DEFAULT '{}',
    started_on       REAL NOT NULL,
    last_modified_on REAL NOT NULL,
    completed_on     REAL,
    error_message    TEXT,
    error_detail     TEXT,                    -- JSON {ename, evalue, traceback, cell_index}
    timeout          REAL,                    -- minutes
    output_location  TEXT,
    log_location     TEXT,
    property_updates TEXT,                    -- JSON {str: str} merged into the run at the end
    owner            TEXT                     -- JSON owner of a job run started outside a workflow
);
CREATE INDEX IF NOT EXISTS job_runs_by_job ON job_runs(job_name, started_on);
CREATE INDEX IF NOT EXISTS job_runs_by_run ON job_runs(workflow_run_id);
CREATE INDEX IF NOT EXISTS job_runs_by_state ON job_runs(state);
