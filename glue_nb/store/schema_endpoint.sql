-- Tags, per resource (TagResource/UntagResource/GetTags, CreateX(Tags=), ListX(Tags=)).
-- kind: workflow, job, trigger, crawler, database, table, blueprint; name: the resource's name
-- (database/table for a table). A row with key '' marks a resource whose tags live here only
-- (its definition's own Tags, written before this table existed, no longer count).
CREATE TABLE IF NOT EXISTS resource_tags (
    kind  TEXT NOT NULL,
    name  TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (kind, name, key)
);
INSERT OR IGNORE INTO resource_tags(kind, name, key, value)
    SELECT 'workflow', w.name, t.key, t.value FROM workflows AS w, json_each(w.body, '$.Tags') AS t
    WHERE json_valid(w.body);
INSERT OR IGNORE INTO resource_tags(kind, name, key, value)
    SELECT 'job', j.name, t.key, t.value FROM jobs AS j, json_each(j.body, '$.Tags') AS t
    WHERE json_valid(j.body);
INSERT OR IGNORE INTO resource_tags(kind, name, key, value)
    SELECT 'trigger', r.name, t.key, t.value FROM triggers AS r, json_each(r.body, '$.Tags') AS t
    WHERE json_valid(r.body);
INSERT OR IGNORE INTO resource_tags(kind, name, key, value)
    SELECT 'crawler', c.name, t.key, t.value FROM crawlers AS c, json_each(c.body, '$.Tags') AS t
    WHERE json_valid(c.body);
-- A crawler's schedule state when it is not the default SCHEDULED (StopCrawlerSchedule).
CREATE TABLE IF NOT EXISTS crawler_schedules (
    name  TEXT PRIMARY KEY,
    state TEXT NOT NULL
);
