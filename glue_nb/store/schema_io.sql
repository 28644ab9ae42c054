-- What each job run and crawl read and wrote: one row per resource and direction.
--
-- run_kind / run_key: 'job' and a job run id, or 'crawl' and a crawl id.
-- kind / resource: 'file' and an absolute local path; 'url' and an fsspec URL; 'table' and
-- 'database.table'; 'partition' and 'database.table/key=value/...' (the values in key order).
-- What identified the resource's content when it was read or written (any may be NULL):
-- size and mtime_ns (files), digest (a content hash, 'sha256:<hex>'), etag (URLs), version
-- (a catalog table's VersionId). A job run's rows are recorded when it ends.
CREATE TABLE IF NOT EXISTS io_records (
    run_kind    TEXT NOT NULL,
    run_key     TEXT NOT NULL,
    direction   TEXT NOT NULL,            -- read | write
    kind        TEXT NOT NULL,            -- file | url | table | partition
    resource    TEXT NOT NULL,
    size        INTEGER,
    mtime_ns    INTEGER,
    digest      TEXT,
    etag        TEXT,
    version     TEXT,
    recorded_on REAL NOT NULL,
    PRIMARY KEY (run_key, direction, resource)
);
CREATE INDEX IF NOT EXISTS io_by_resource ON io_records(resource, direction);
