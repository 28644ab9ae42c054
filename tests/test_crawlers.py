"""CrawlerService: definitions, validation, start/stop, crawl records, the engine's steps."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from glue_nb.crawl import execute_crawl
from glue_nb.crawlers import CrawlerService
from glue_nb.engine import Engine
from glue_nb.engine.orphans import reap_orphans
from glue_nb.exceptions import (
    AlreadyExistsException,
    CrawlerNotRunningException,
    CrawlerRunningException,
    CrawlerStoppingException,
    EntityNotFoundException,
    InvalidInputException,
)
from glue_nb.states import CrawlState
from glue_nb.store import Store
from glue_nb.store.ledger import Ledger


@pytest.fixture
def svc(tmp_path: Path) -> CrawlerService:
    return CrawlerService(Store(tmp_path / "home"))


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def s3(*paths: Path | str, **extra: Any) -> dict:
    return {"S3Targets": [{"Path": str(p), **extra} for p in paths]}


def crawl_now(svc: CrawlerService, name: str) -> dict:
    """StartCrawler through the engine of this process, then wait for the crawl to end."""
    engine = Engine.for_store(svc.store)
    crawl_id = engine.start_crawl(name)
    assert engine.wait(crawl_id, timeout=30)
    return svc.get_crawler(Name=name)["Crawler"]


def stop_requested(svc: CrawlerService, crawl_id: str) -> bool:
    return svc.crawls.state(crawl_id) is not CrawlState.RUNNING


# -- validation ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"Targets": {}}, "S3Targets or CatalogTargets"),
        ({"Targets": {"S3Targets": [{"Path": 3}]}}, r"S3Targets\[0\]\.Path"),
        ({"Targets": {"S3Targets": [{"Path": "x", "SampleSize": 0}]}}, "SampleSize"),
        ({"Targets": {"S3Targets": [{"Path": "x", "SampleSize": 250}]}}, "1 to 249"),
        ({"Targets": {"S3Targets": [{"Path": "x", "Exclusions": "*.tmp"}]}}, "Exclusions"),
        ({"Targets": {"JdbcTargets": [{"ConnectionName": "c"}]}}, "JdbcTargets"),
        (
            {
                "Targets": {"S3Targets": [{"Path": "x"}]},
                "SchemaChangePolicy": {"UpdateBehavior": "NOPE"},
            },
            "UpdateBehavior",
        ),
        (
            {
                "Targets": {"S3Targets": [{"Path": "x"}]},
                "SchemaChangePolicy": {"DeleteBehavior": "DROP"},
            },
            "DeleteBehavior",
        ),
        (
            {
                "Targets": {"S3Targets": [{"Path": "x"}]},
                "RecrawlPolicy": {"RecrawlBehavior": "SOMETIMES"},
            },
            "RecrawlBehavior",
        ),
        (
            {
                "Targets": {"S3Targets": [{"Path": "x"}]},
                "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
                "SchemaChangePolicy": {
                    "UpdateBehavior": "UPDATE_IN_DATABASE",
                    "DeleteBehavior": "LOG",
                },
            },
            'SchemaChangePolicy for "Crawl new folders only" Amazon S3 target can have only LOG',
        ),
        (
            {"Targets": {"S3Targets": [{"Path": "x"}]}, "Configuration": "{bad json"},
            "Configuration is not valid JSON",
        ),
        (
            {
                "Targets": {"S3Targets": [{"Path": "x"}]},
                "Configuration": '{"Grouping": {"Foo": 1}}',
            },
            "unsupported keys: Foo",
        ),
        ({"Targets": {"S3Targets": [{"Path": "x"}]}, "Schedule": "rate(5 minutes)"}, "Schedule"),
        ({"Targets": {"S3Targets": [{"Path": "x"}]}, "DatabaseName": ""}, "DatabaseName"),
    ],
)
def test_invalid_definitions_are_rejected_before_writing(
    svc: CrawlerService, request_: dict, message: str
) -> None:
    request = {"DatabaseName": "db", **request_}
    with pytest.raises(InvalidInputException, match=message) as info:
        svc.create_crawler(Name="bad", **request)
    assert "'bad'" in info.value.message  # the message names the crawler
    assert svc.list_crawlers()["CrawlerNames"] == []


def test_name_and_database_rules(svc: CrawlerService) -> None:
    with pytest.raises(InvalidInputException, match="1-255"):
        svc.create_crawler(Name="x" * 256, Targets=s3("p"), DatabaseName="db")
    svc.create_crawler(Name="nodb", Targets=s3("p"))  # optional in Glue's CreateCrawler
    assert "DatabaseName" not in svc.get_crawler("nodb")["Crawler"]
    svc.delete_crawler("nodb")
    with pytest.raises(InvalidInputException, match="cannot mix"):
        svc.create_crawler(
            Name="c",
            DatabaseName="db",
            Targets={**s3("p"), "CatalogTargets": [{"DatabaseName": "db", "Tables": ["t"]}]},
        )
    with pytest.raises(InvalidInputException, match="can only apply to Amazon S3 target"):
        svc.create_crawler(
            Name="c",
            Targets={"CatalogTargets": [{"DatabaseName": "db", "Tables": ["t"]}]},
            RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
        )


def test_a_crawler_without_database_is_created_and_its_crawl_says_what_is_missing(
    svc: CrawlerService, tmp_path: Path
) -> None:
    """DatabaseName is optional in Glue's CreateCrawler; a crawl of S3Targets without it fails
    with a message naming it, and UpdateCrawler(DatabaseName=...) makes the next crawl work."""
    write(tmp_path / "data" / "orders" / "o.csv", "id,amount\n1,2.5\n2,3.5\n")
    svc.create_crawler(Name="c", Targets=s3(tmp_path / "data"))
    assert "DatabaseName" not in svc.get_crawler(Name="c")["Crawler"]
    crawler = crawl_now(svc, "c")
    assert crawler["LastCrawl"]["Status"] == "FAILED"
    assert "no DatabaseName" in crawler["LastCrawl"]["ErrorMessage"]
    assert svc.catalog.get_databases()["DatabaseList"] == []
    svc.update_crawler(Name="c", DatabaseName="lake")
    assert crawl_now(svc, "c")["LastCrawl"]["Status"] == "SUCCEEDED"
    assert svc.catalog.get_table(DatabaseName="lake", Name="orders")["Table"]["Name"] == "orders"


def test_create_get_list_update_delete(
    svc: CrawlerService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    svc.create_crawler(
        Name="Update schema",
        Role="arn:aws:iam::1:role/x",
        Targets=s3("data/clean"),
        DatabaseName="crm",
        TablePrefix="clean_",
        Schedule="cron(0 6 * * ? *)",
        Tags={"team": "a"},
    )
    with pytest.raises(AlreadyExistsException):
        svc.create_crawler(Name="Update schema", Targets=s3("x"), DatabaseName="crm")
    crawler = svc.get_crawler(Name="Update schema")["Crawler"]
    assert crawler["State"] == "READY" and crawler["Version"] == 1
    assert crawler["Targets"]["S3Targets"][0]["Path"] == str(tmp_path / "data" / "clean")
    assert crawler["SchemaChangePolicy"] == {
        "UpdateBehavior": "UPDATE_IN_DATABASE",
        "DeleteBehavior": "DEPRECATE_IN_DATABASE",
    }
    assert crawler["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_EVERYTHING"}
    assert crawler["Schedule"] == {"ScheduleExpression": "cron(0 6 * * ? *)", "State": "SCHEDULED"}
    assert isinstance(crawler["CreationTime"], datetime) and crawler["CrawlElapsedTime"] == 0
    assert "LastCrawl" not in crawler
    for name in ("b", "a"):
        svc.create_crawler(Name=name, Targets=s3("x"), DatabaseName="crm")
    page = svc.list_crawlers(MaxResults=2)
    assert page["CrawlerNames"] == ["Update schema", "a"]
    assert svc.list_crawlers(NextToken=page["NextToken"])["CrawlerNames"] == ["b"]
    assert svc.list_crawlers(Tags={"team": "a"})["CrawlerNames"] == ["Update schema"]
    assert [c["Name"] for c in svc.get_crawlers(MaxResults=5)["Crawlers"]] == [
        "Update schema",
        "a",
        "b",
    ]
    svc.update_crawler(
        Name="a", TablePrefix="p_", RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
    )
    updated = svc.get_crawler(Name="a")["Crawler"]
    assert updated["Version"] == 2 and updated["TablePrefix"] == "p_"
    assert updated["SchemaChangePolicy"] == {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
    with pytest.raises(InvalidInputException, match="cannot change"):
        svc.update_crawler(Name="a", Targets=s3("elsewhere"))
    with pytest.raises(InvalidInputException, match="unknown parameter"):
        svc.update_crawler(Name="a", Tabel="x")
    svc.delete_crawler(Name="a")
    with pytest.raises(EntityNotFoundException, match="a does not exist"):
        svc.get_crawler(Name="a")
    # Glue's DeleteCrawler raises EntityNotFound for a missing crawler; so do we.
    with pytest.raises(EntityNotFoundException):
        svc.delete_crawler(Name="a")


# -- running ------------------------------------------------------------------------------------
def test_start_crawler_writes_catalog_and_last_crawl(svc: CrawlerService, tmp_path: Path) -> None:
    data = tmp_path / "data"
    write(data / "orders" / "day=1" / "o.csv", "id,amount\n1,2.5\n2,3.5\n")
    write(data / "orders" / "day=2" / "o.csv", "id,amount\n3,4.5\n4,5.5\n")
    write(data / "orders" / "day=2" / "broken.parquet", b"PAR1 nope")
    svc.create_crawler(Name="c", Targets=s3(data), DatabaseName="Lake")
    crawler = crawl_now(svc, "c")
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    assert isinstance(crawler["LastCrawl"]["StartTime"], datetime)
    table = svc.catalog.get_table(DatabaseName="lake", Name="orders")["Table"]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["day"]
    [crawl] = svc.list_crawls(CrawlerName="c")["Crawls"]
    assert crawl["State"] == "COMPLETED"
    summary = json.loads(crawl["Summary"])
    assert summary["TablesCreated"] == ["lake.orders"] and summary["PartitionsAdded"] == 2
    assert [Path(s["Path"]).name for s in summary["SkippedFiles"]] == ["broken.parquet"]
    full = svc.get_crawl(crawl["CrawlId"])
    assert full["State"] == "SUCCEEDED" and full["CompletedOn"] >= full["StartedOn"]
    metrics = svc.get_crawler_metrics(CrawlerNameList=["c"])["CrawlerMetricsList"][0]
    assert metrics["TablesCreated"] == 1


def test_missing_path_fails_and_writes_nothing(svc: CrawlerService, tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    svc.create_crawler(Name="c", Targets=s3(missing), DatabaseName="lake")
    crawler = crawl_now(svc, "c")
    assert crawler["State"] == "READY"
    assert crawler["LastCrawl"]["Status"] == "FAILED"
    assert str(missing) in crawler["LastCrawl"]["ErrorMessage"]
    with pytest.raises(EntityNotFoundException):
        svc.catalog.get_database(Name="lake")


def test_begin_crawl_is_exclusive_across_store_handles(svc: CrawlerService, tmp_path: Path) -> None:
    write(tmp_path / "d" / "a.csv", "a,b\n1,2\n3,4\n")
    svc.create_crawler(Name="c", Targets=s3(tmp_path / "d"), DatabaseName="lake")
    from glue_nb.owner import current_owner

    token = Ledger(svc.store).owners.claim(current_owner())  # this process drives it
    crawl_id, spec = svc.begin_crawl(
        "c", owner_token=token, workflow_name="wf", workflow_run_id="wr_1", node_id="wnode_1"
    )
    other = CrawlerService(Store(tmp_path / "home"))  # a second connection, as another process has
    with pytest.raises(CrawlerRunningException):
        other.begin_crawl("c")
    with pytest.raises(CrawlerRunningException):
        Engine.for_store(other.store).start_crawl("c")
    with pytest.raises(CrawlerRunningException):
        other.delete_crawler(Name="c")
    with pytest.raises(CrawlerRunningException):
        other.update_crawler(Name="c", TablePrefix="x")
    assert other.get_crawler(Name="c")["Crawler"]["State"] == "RUNNING"
    assert spec["CrawlId"] == crawl_id and spec["Crawler"]["Name"] == "c"
    result = execute_crawl(spec)
    done = other.finish_crawl(crawl_id, result)
    assert done["State"] == "SUCCEEDED" and done["CrawlId"] == crawl_id
    assert set(done) >= {
        "State",
        "StartedOn",
        "CompletedOn",
        "ErrorMessage",
        "LogGroup",
        "LogStream",
        "Summary",
    }
    assert done["Summary"]["TablesCreated"] == ["lake.d"]
    assert svc.finish_crawl(crawl_id, {"State": "FAILED"})["State"] == "SUCCEEDED"  # already final
    with svc.store.read() as conn:
        row = conn.execute("SELECT * FROM crawls WHERE crawl_id = ?", (crawl_id,)).fetchone()
    assert row["workflow_run_id"] == "wr_1" and row["node_id"] == "wnode_1"
    assert svc.crawl_dict(row)["State"] == "SUCCEEDED"
    assert svc.get_crawler(Name="c")["Crawler"]["State"] == "READY"


def test_stop_cancels_and_writes_nothing(svc: CrawlerService, tmp_path: Path) -> None:
    for i in range(30):
        write(tmp_path / "d" / f"{i}.csv", "a,b\n1,2\n3,4\n")
    svc.create_crawler(Name="c", Targets=s3(tmp_path / "d"), DatabaseName="lake")
    with pytest.raises(CrawlerNotRunningException):
        svc.request_stop("c")
    crawl_id, spec = svc.begin_crawl("c")
    assert stop_requested(svc, crawl_id) is False
    assert svc.request_stop("c") == crawl_id
    assert svc.get_crawler(Name="c")["Crawler"]["State"] == "STOPPING"
    with pytest.raises(CrawlerStoppingException):
        svc.request_stop("c")
    assert stop_requested(svc, crawl_id) is True
    result = execute_crawl(spec, lambda: stop_requested(svc, crawl_id))
    assert result["State"] == "CANCELLED"
    done = svc.finish_crawl(crawl_id, result)
    assert done["State"] == "CANCELLED"
    crawler = svc.get_crawler(Name="c")["Crawler"]
    assert crawler["State"] == "READY" and crawler["LastCrawl"]["Status"] == "CANCELLED"
    with pytest.raises(EntityNotFoundException):
        svc.catalog.get_database(Name="lake")


def test_stop_requested_after_the_crawl_finished_still_cancels(
    svc: CrawlerService, tmp_path: Path
) -> None:
    write(tmp_path / "d" / "a.csv", "a,b\n1,2\n3,4\n")
    svc.create_crawler(Name="c", Targets=s3(tmp_path / "d"), DatabaseName="lake")
    crawl_id, spec = svc.begin_crawl("c")
    result = execute_crawl(spec)
    assert result["State"] == "SUCCEEDED"
    svc.request_stop("c")
    assert svc.finish_crawl(crawl_id, result)["State"] == "CANCELLED"
    with pytest.raises(EntityNotFoundException):
        svc.catalog.get_database(Name="lake")


def test_failed_catalog_write_rolls_back(svc: CrawlerService, tmp_path: Path) -> None:
    write(tmp_path / "d" / "a.csv", "a,b\n1,2\n3,4\n")
    svc.create_crawler(Name="c", Targets=s3(tmp_path / "d"), DatabaseName="lake")
    crawl_id, spec = svc.begin_crawl("c")
    result = execute_crawl(spec)
    good = dict(result["Tables"][0])
    bad = {**good, "Name": "zz_bad", "PartitionKeys": [{"Name": "a", "Type": "string"}]}  # clashes
    result["Tables"] = [good, bad]
    done = svc.finish_crawl(crawl_id, result)
    assert done["State"] == "FAILED" and "nothing was written" in done["ErrorMessage"]
    with pytest.raises(EntityNotFoundException):
        svc.catalog.get_database(Name="lake")
    assert svc.get_crawler(Name="c")["Crawler"]["LastCrawl"]["Status"] == "FAILED"


# -- behaviour over several crawls --------------------------------------------------------------
def test_incremental_crawl_reads_only_new_folders(svc: CrawlerService, tmp_path: Path) -> None:
    data = tmp_path / "events"
    write(data / "day=1" / "e.csv", "id,v\n1,2\n3,4\n")
    svc.create_crawler(
        Name="inc",
        Targets=s3(data),
        DatabaseName="lake",
        RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
    )
    assert crawl_now(svc, "inc")["LastCrawl"]["Status"] == "SUCCEEDED"
    write(data / "day=1" / "e.csv", b"\x00 unreadable now, but never read again")
    write(data / "day=2" / "e.csv", "id,v\n5,6\n7,8\n")
    assert crawl_now(svc, "inc")["LastCrawl"]["Status"] == "SUCCEEDED"
    crawls = svc.list_crawls(CrawlerName="inc")["Crawls"]
    summary = json.loads(crawls[0]["Summary"])
    assert summary["Incremental"] is True and summary["SkippedFiles"] == []
    assert summary["PartitionsAdded"] == 1 and summary["Stats"]["FilesRead"] == 1
    values = [
        p["Values"]
        for p in svc.catalog.get_partitions(DatabaseName="lake", TableName="events")["Partitions"]
    ]
    assert sorted(values) == [["1"], ["2"]]
    assert svc.catalog.get_table(DatabaseName="lake", Name="events")["Table"]["VersionId"] == "0"


def test_versions_and_deprecation_across_crawls(svc: CrawlerService, tmp_path: Path) -> None:
    data = tmp_path / "lake"
    write(data / "a" / "x.csv", "id,v\n1,2\n3,4\n")
    write(data / "b" / "y.json", '{"k": "v"}\n')
    svc.create_crawler(Name="c", Targets=s3(data), DatabaseName="db")
    crawl_now(svc, "c")
    write(data / "a" / "x.csv", "id,v,w\n1,2,x\n3,4,y\n")
    (data / "b" / "y.json").unlink()
    crawl_now(svc, "c")
    versions = svc.catalog.get_table_versions(DatabaseName="db", TableName="a")["TableVersions"]
    assert [v["VersionId"] for v in versions] == ["1", "0"]
    diff = svc.catalog.schema_diff("db", "a", 0, 1)
    assert diff.set_index("Column").loc["w", "Change"] == "added"
    gone = svc.catalog.get_table(DatabaseName="db", Name="b")["Table"]
    assert "DEPRECATED_BY_CRAWLER" in gone["Parameters"]
    summary = json.loads(svc.list_crawls(CrawlerName="c")["Crawls"][0]["Summary"])
    assert summary["TablesDeprecated"] == ["db.b"] and summary["TablesUpdated"] == ["db.a"]
    svc.update_crawler(
        Name="c",
        SchemaChangePolicy={
            "UpdateBehavior": "UPDATE_IN_DATABASE",
            "DeleteBehavior": "DELETE_FROM_DATABASE",
        },
    )
    crawl_now(svc, "c")
    with pytest.raises(EntityNotFoundException):
        svc.catalog.get_table(DatabaseName="db", Name="b")


def test_catalog_targets_recrawl_existing_tables(svc: CrawlerService, tmp_path: Path) -> None:
    data = tmp_path / "t"
    write(data / "f.csv", "a,b\n1,2\n3,4\n")
    svc.catalog.create_database(DatabaseInput={"Name": "db"})
    svc.catalog.create_table(
        DatabaseName="db",
        TableInput={
            "Name": "mine",
            "StorageDescriptor": {"Columns": [], "Location": str(data) + "/"},
        },
    )
    svc.create_crawler(
        Name="cat", Targets={"CatalogTargets": [{"DatabaseName": "db", "Tables": ["mine"]}]}
    )
    assert crawl_now(svc, "cat")["LastCrawl"]["Status"] == "SUCCEEDED"
    table = svc.catalog.get_table(DatabaseName="db", Name="mine")["Table"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["a", "b"]
    assert table["VersionId"] == "1"
    svc.create_crawler(
        Name="cat2", Targets={"CatalogTargets": [{"DatabaseName": "db", "Tables": ["absent"]}]}
    )
    failed = crawl_now(svc, "cat2")
    assert (
        failed["LastCrawl"]["Status"] == "FAILED"
        and "db.absent" in failed["LastCrawl"]["ErrorMessage"]
    )


def test_upsert_crawler_in_a_transaction(svc: CrawlerService, tmp_path: Path) -> None:
    with svc.store.transaction():
        svc.upsert_crawler(
            {"Name": "u", "Targets": s3("rel"), "DatabaseName": "db"}, base_dir=tmp_path
        )
    assert svc.get_crawler(Name="u")["Crawler"]["Targets"]["S3Targets"][0]["Path"] == os.path.join(
        tmp_path, "rel"
    )
    with svc.store.transaction():
        svc.upsert_crawler(
            {"Name": "u", "Targets": s3("rel"), "DatabaseName": "db"}, base_dir=tmp_path
        )
    assert svc.get_crawler(Name="u")["Crawler"]["Version"] == 1  # unchanged definition
    with svc.store.transaction():
        svc.upsert_crawler(
            {"Name": "u", "Targets": s3("rel"), "DatabaseName": "db2"}, base_dir=tmp_path
        )
    assert svc.get_crawler(Name="u")["Crawler"]["Version"] == 2


def test_record_failed_crawl_for_the_engine(svc: CrawlerService) -> None:
    from glue_nb.crawlers import crawl_dict

    crawl = svc.record_failed_crawl(
        "ghost",
        "Crawler ghost not found",
        state="ERROR",
        workflow_run_id="wr_9",
        node_id="wnode_9",
        trigger_name="t",
    )
    assert crawl["State"] == "ERROR" and crawl["ErrorMessage"] == "Crawler ghost not found"
    assert crawl["TriggerName"] == "t" and crawl["CompletedOn"] is not None
    with svc.store.read() as conn:
        row = conn.execute("SELECT * FROM crawls WHERE workflow_run_id = 'wr_9'").fetchone()
    assert crawl_dict(row) == crawl == svc.get_crawl(crawl["CrawlId"])
    with pytest.raises(InvalidInputException):
        svc.record_failed_crawl("ghost", "x", state="RUNNING")


# -- crawls whose process is gone --------------------------------------------------------------
def _dead_owner() -> dict[str, Any]:
    """The owner record of a real process that has exited."""
    import subprocess
    import sys

    import psutil

    from glue_nb.owner import current_owner

    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    owner = {**current_owner(), "pid": proc.pid, "token": "gone"}
    owner["create_time"] = psutil.Process(proc.pid).create_time()
    proc.kill()
    proc.wait()
    return owner


def test_a_standalone_crawl_whose_process_died_is_cancelled(
    svc: CrawlerService, tmp_path: Path
) -> None:
    write(tmp_path / "data" / "t" / "a.csv", "x,y\n1,2\n")
    svc.create_crawler(Name="c", Role="r", DatabaseName="db", Targets=s3(tmp_path / "data"))
    owner = _dead_owner()
    ledger = Ledger(svc.store)
    token = ledger.owners.claim(owner)
    crawl_id, _spec = svc.begin_crawl("c", owner_token=token)  # then its process "died"
    reap_orphans(ledger)
    assert svc.get_crawl(crawl_id)["State"] == "CANCELLED"
    crawler = svc.get_crawler(Name="c")["Crawler"]
    assert crawler["State"] == "READY"
    assert crawler["LastCrawl"]["Status"] == "CANCELLED"
    assert f"pid {owner['pid']}" in crawler["LastCrawl"]["ErrorMessage"]
    crawl = svc.get_crawl(crawl_id)
    assert crawl["State"] == "CANCELLED" and "start the crawler again" in crawl["ErrorMessage"]
    assert svc.catalog.get_databases()["DatabaseList"] == []  # nothing was written
    assert crawl_now(svc, "c")["LastCrawl"]["Status"] == "SUCCEEDED"  # it can run again


def test_crawls_of_live_owners_are_left_alone(svc: CrawlerService, tmp_path: Path) -> None:
    from glue_nb.owner import STALE_AFTER, current_owner
    from glue_nb.timeutil import now

    write(tmp_path / "data" / "t" / "a.csv", "x,y\n1,2\n")
    for name in ("mine", "remote", "stale"):
        svc.create_crawler(Name=name, Role="r", DatabaseName="db", Targets=s3(tmp_path / "data"))
    ledger = Ledger(svc.store)
    mine = ledger.owners.claim(current_owner())
    fresh = ledger.owners.claim({"host": "another-host", "pid": 1, "create_time": 1.0,
                                 "token": "fresh"})  # fmt: skip
    old = ledger.owners.claim({"host": "another-host", "pid": 2, "create_time": 1.0,
                               "token": "old"})  # fmt: skip
    svc.begin_crawl("mine", owner_token=mine)
    remote, _ = svc.begin_crawl("remote", owner_token=fresh)  # fresh heartbeat: alive
    stale, _ = svc.begin_crawl("stale", owner_token=old)
    with svc.store.transaction() as conn:
        conn.execute(
            "UPDATE owners SET heartbeat_on = ? WHERE token = 'old'", (now() - STALE_AFTER - 1,)
        )
    reap_orphans(ledger)
    assert svc.get_crawl(stale)["State"] == "CANCELLED"
    states = {c["Name"]: c["State"] for c in svc.get_crawlers()["Crawlers"]}
    assert states == {"mine": "RUNNING", "remote": "RUNNING", "stale": "READY"}
    assert svc.get_crawl(remote)["State"] == "RUNNING"
