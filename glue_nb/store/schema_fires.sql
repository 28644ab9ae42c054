-- The triggers a workflow run fired, a row each (they were a JSON object in
-- workflow_runs.fired_triggers, rewritten whole at every fire: a cost that grew with the run).
-- workflow_runs.fired_triggers is no longer written.
CREATE TABLE IF NOT EXISTS run_fired_triggers (
    run_id       TEXT NOT NULL,
    trigger_name TEXT NOT NULL,
    fired_on     REAL NOT NULL,
    PRIMARY KEY (run_id, trigger_name)
);
INSERT OR IGNORE INTO run_fired_triggers(run_id, trigger_name, fired_on)
    SELECT w.run_id, f.key, f.value FROM workflow_runs AS w, json_each(w.fired_triggers) AS f
    WHERE w.fired_triggers IS NOT NULL AND json_valid(w.fired_triggers);
