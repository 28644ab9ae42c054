-- Blueprints (glue_nb.blueprint): registered packages and their runs.

CREATE TABLE IF NOT EXISTS blueprints (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL,              -- {Name, Description, BlueprintLocation, Tags, LastActiveDefinition}
    created_on REAL NOT NULL,
    last_modified_on REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS blueprint_runs (
    run_id TEXT PRIMARY KEY,
    blueprint_name TEXT NOT NULL,
    workflow_name TEXT,
    state TEXT NOT NULL,             -- RUNNING | SUCCEEDED | FAILED | ROLLING_BACK
    started_on REAL NOT NULL,
    completed_on REAL,
    error_message TEXT,
    rollback_error_message TEXT,
    parameters TEXT,                 -- the Parameters JSON string as given
    role_arn TEXT
);

CREATE INDEX IF NOT EXISTS blueprint_runs_by_blueprint ON blueprint_runs(blueprint_name, started_on);
