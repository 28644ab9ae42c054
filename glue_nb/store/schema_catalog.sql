-- Crawlers, crawls and the Data Catalog. Times are epoch seconds (UTC). Names of databases and
-- tables are stored lower-cased, as Glue does.
CREATE TABLE IF NOT EXISTS crawls (
    crawl_id        TEXT PRIMARY KEY,
    crawler_name    TEXT NOT NULL,
    workflow_name   TEXT,
    workflow_run_id TEXT,
    node_id         TEXT,
    trigger_name    TEXT,
    state           TEXT NOT NULL,           -- RUNNING | CANCELLING | CANCELLED | SUCCEEDED | FAILED | ERROR
    started_on      REAL NOT NULL,
    completed_on    REAL,
    error_message   TEXT,
    summary         TEXT,                    -- JSON crawl summary
    copied_from     TEXT
);
CREATE INDEX IF NOT EXISTS crawls_by_crawler ON crawls(crawler_name, started_on);
CREATE INDEX IF NOT EXISTS crawls_by_run ON crawls(workflow_run_id);

CREATE TABLE IF NOT EXISTS crawlers (
    name             TEXT PRIMARY KEY,
    body             TEXT NOT NULL,          -- Glue-shaped Crawler definition (JSON), no run state
    state            TEXT NOT NULL,          -- READY | RUNNING | STOPPING
    created_on       REAL NOT NULL,
    last_updated     REAL NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    current_crawl_id TEXT,                   -- the crawl while RUNNING or STOPPING
    last_crawl       TEXT                    -- JSON LastCrawlInfo without times converted
);

-- Incremental crawl state: the leaf folders a crawler has read (CRAWL_NEW_FOLDERS_ONLY).
CREATE TABLE IF NOT EXISTS crawler_folders (
    crawler_name  TEXT NOT NULL,
    folder        TEXT NOT NULL,             -- location of a leaf folder, ending in /
    database_name TEXT,
    table_name    TEXT,
    crawled_on    REAL NOT NULL,
    PRIMARY KEY (crawler_name, folder)
);

CREATE TABLE IF NOT EXISTS databases (
    name       TEXT PRIMARY KEY,
    body       TEXT NOT NULL,                -- DatabaseInput (JSON)
    created_on REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS tables (
    database_name      TEXT NOT NULL,
    name               TEXT NOT NULL,
    body               TEXT NOT NULL,        -- TableInput of the current version (JSON)
    version_id         INTEGER NOT NULL,     -- current VersionId
    created_on         REAL NOT NULL,
    updated_on         REAL NOT NULL,
    location           TEXT,                 -- StorageDescriptor.Location
    updated_by_crawler TEXT,                 -- Parameters.UPDATED_BY_CRAWLER
    PRIMARY KEY (database_name, name)
);
CREATE INDEX IF NOT EXISTS tables_by_crawler ON tables(updated_by_crawler);

-- Every version of a table, the current one included (GetTableVersions returns them all).
CREATE TABLE IF NOT EXISTS table_versions (
    database_name TEXT NOT NULL,
    table_name    TEXT NOT NULL,
    version_id    INTEGER NOT NULL,
    body          TEXT NOT NULL,             -- TableInput (JSON)
    created_on    REAL NOT NULL,             -- the table's CreateTime
    updated_on    REAL NOT NULL,             -- when this version was written
    PRIMARY KEY (database_name, table_name, version_id)
);

CREATE TABLE IF NOT EXISTS partitions (
    database_name TEXT NOT NULL,
    table_name    TEXT NOT NULL,
    values_key    TEXT NOT NULL,             -- JSON list of the partition Values
    body          TEXT NOT NULL,             -- PartitionInput (JSON)
    created_on    REAL NOT NULL,
    updated_on    REAL NOT NULL,
    location      TEXT,
    PRIMARY KEY (database_name, table_name, values_key)
);
