"""The Data Catalog: Glue operations, versions, crawl application, DataFrames and read_table."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import glue_nb.catalog.read as catalog_module
from glue_nb.catalog import Catalog, partition_predicate
from glue_nb.crawl import execute_crawl
from glue_nb.exceptions import (
    AlreadyExistsException,
    ConcurrentModificationException,
    EntityNotFoundException,
    InvalidInputException,
)
from glue_nb.store import Store


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return Catalog(Store(tmp_path / "home"))


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def table_input(
    name: str, columns: dict[str, str], location: str = "/tmp/x/", **extra: Any
) -> dict:
    return {
        "Name": name,
        "StorageDescriptor": {
            "Columns": [{"Name": k, "Type": v} for k, v in columns.items()],
            "Location": location,
        },
        **extra,
    }


# -- databases ----------------------------------------------------------------------------------
def test_databases_crud_and_errors(catalog: Catalog) -> None:
    catalog.create_database(DatabaseInput={"Name": "CRM", "Description": "customers"})
    db = catalog.get_database(Name="crm")["Database"]
    assert db["Name"] == "crm" and db["Description"] == "customers"
    assert isinstance(db["CreateTime"], datetime) and db["CreateTime"].tzinfo is not None
    with pytest.raises(AlreadyExistsException):
        catalog.create_database(DatabaseInput={"Name": "crm"})
    with pytest.raises(InvalidInputException, match="unknown field"):
        catalog.create_database(DatabaseInput={"Name": "x", "Bogus": 1})
    with pytest.raises(InvalidInputException):
        catalog.create_database(DatabaseInput={"Name": ""})
    assert [d["Name"] for d in catalog.get_databases()["DatabaseList"]] == ["crm"]
    for name in ("a", "b", "c"):
        catalog.create_database(DatabaseInput={"Name": name})
    page = catalog.get_databases(MaxResults=2)
    assert [d["Name"] for d in page["DatabaseList"]] == ["a", "b"]
    rest = catalog.get_databases(MaxResults=2, NextToken=page["NextToken"])
    assert [d["Name"] for d in rest["DatabaseList"]] == ["c", "crm"]
    assert "NextToken" not in rest
    catalog.update_database(Name="crm", DatabaseInput={"Name": "crm", "Description": "new"})
    assert catalog.get_database(Name="crm")["Database"]["Description"] == "new"
    catalog.delete_database(Name="crm")
    with pytest.raises(EntityNotFoundException, match="crm"):
        catalog.get_database(Name="crm")
    with pytest.raises(EntityNotFoundException):
        catalog.delete_database(Name="crm")


# -- tables and versions -----------------------------------------------------------------------
def test_tables_crud_expression_and_paging(catalog: Catalog) -> None:
    catalog.create_database(DatabaseInput={"Name": "db"})
    for name in ("Sales_2023", "sales_2024", "customers"):
        catalog.create_table(DatabaseName="db", TableInput=table_input(name, {"id": "bigint"}))
    table = catalog.get_table(DatabaseName="db", Name="SALES_2023")["Table"]
    assert table["Name"] == "sales_2023" and table["DatabaseName"] == "db"
    assert table["VersionId"] == "0"
    with pytest.raises(AlreadyExistsException):
        catalog.create_table(DatabaseName="db", TableInput=table_input("customers", {"a": "int"}))
    with pytest.raises(EntityNotFoundException, match="nope"):
        catalog.create_table(DatabaseName="nope", TableInput=table_input("t", {"a": "int"}))
    with pytest.raises(EntityNotFoundException, match=r"missing.*customers"):
        catalog.get_table(DatabaseName="db", Name="missing")
    names = [
        t["Name"] for t in catalog.get_tables(DatabaseName="db", Expression="sales*")["TableList"]
    ]
    assert names == ["sales_2023", "sales_2024"]
    names = [
        t["Name"]
        for t in catalog.get_tables(DatabaseName="db", Expression="cust.*|.*2024")["TableList"]
    ]
    assert names == ["customers", "sales_2024"]
    first = catalog.get_tables(DatabaseName="db", MaxResults=2)
    second = catalog.get_tables(DatabaseName="db", MaxResults=2, NextToken=first["NextToken"])
    assert len(first["TableList"]) == 2 and [t["Name"] for t in second["TableList"]] == [
        "sales_2024"
    ]
    with pytest.raises(InvalidInputException, match="MaxResults"):
        catalog.get_tables(DatabaseName="db", MaxResults=0)
    catalog.delete_table(DatabaseName="db", Name="customers")
    with pytest.raises(EntityNotFoundException):
        catalog.delete_table(DatabaseName="db", Name="customers")


def test_invalid_table_input_is_rejected_before_writing(catalog: Catalog) -> None:
    catalog.create_database(DatabaseInput={"Name": "db"})
    bad = table_input("t", {"a": "int"}, PartitionKeys=[{"Name": "A", "Type": "string"}])
    with pytest.raises(InvalidInputException, match="twice"):
        catalog.create_table(DatabaseName="db", TableInput=bad)
    with pytest.raises(InvalidInputException, match="must be a string"):
        catalog.create_table(
            DatabaseName="db", TableInput={**table_input("t", {}), "Parameters": {"n": 1}}
        )
    with pytest.raises(InvalidInputException, match="unknown field"):
        catalog.create_table(DatabaseName="db", TableInput={"Name": "t", "Colums": []})
    assert catalog.get_tables(DatabaseName="db")["TableList"] == []


def test_update_table_archives_versions(catalog: Catalog) -> None:
    catalog.create_database(DatabaseInput={"Name": "db"})
    catalog.create_table(DatabaseName="db", TableInput=table_input("t", {"a": "int"}))
    catalog.update_table(
        DatabaseName="db", TableInput=table_input("t", {"a": "int", "b": "string"})
    )
    catalog.update_table(
        DatabaseName="db", TableInput=table_input("t", {"a": "bigint", "b": "string"})
    )
    versions = catalog.get_table_versions(DatabaseName="db", TableName="t")["TableVersions"]
    assert [v["VersionId"] for v in versions] == ["2", "1", "0"]
    assert [c["Name"] for c in versions[2]["Table"]["StorageDescriptor"]["Columns"]] == ["a"]
    assert catalog.get_table(DatabaseName="db", Name="t")["Table"]["VersionId"] == "2"
    old = catalog.get_table_version(DatabaseName="db", TableName="t", VersionId="1")["TableVersion"]
    assert old["VersionId"] == "1" and len(old["Table"]["StorageDescriptor"]["Columns"]) == 2
    with pytest.raises(EntityNotFoundException, match="Version 9"):
        catalog.get_table_version(DatabaseName="db", TableName="t", VersionId="9")
    # SkipArchive: the version advances but the previous definition is not kept.
    catalog.update_table(
        DatabaseName="db", TableInput=table_input("t", {"z": "int"}), SkipArchive=True
    )
    ids = [
        v["VersionId"]
        for v in catalog.get_table_versions(DatabaseName="db", TableName="t")["TableVersions"]
    ]
    assert ids == ["3", "1", "0"]
    # Optimistic concurrency as in Glue.
    with pytest.raises(ConcurrentModificationException):
        catalog.update_table(
            DatabaseName="db", TableInput=table_input("t", {"y": "int"}), VersionId="2"
        )
    catalog.update_table(
        DatabaseName="db", TableInput=table_input("t", {"y": "int"}), VersionId="3"
    )
    page = catalog.get_table_versions(DatabaseName="db", TableName="t", MaxResults=2)
    more = catalog.get_table_versions(DatabaseName="db", TableName="t", NextToken=page["NextToken"])
    assert [v["VersionId"] for v in page["TableVersions"] + more["TableVersions"]] == [
        "4",
        "3",
        "1",
        "0",
    ]
    catalog.delete_table_version(DatabaseName="db", TableName="t", VersionId="0")
    with pytest.raises(InvalidInputException, match="current"):
        catalog.delete_table_version(DatabaseName="db", TableName="t", VersionId="4")
    catalog.delete_table(DatabaseName="db", Name="t")
    catalog.create_table(DatabaseName="db", TableInput=table_input("t", {"a": "int"}))
    assert len(catalog.get_table_versions(DatabaseName="db", TableName="t")["TableVersions"]) == 1


# -- partitions ---------------------------------------------------------------------------------
def test_partitions_and_expressions(catalog: Catalog) -> None:
    catalog.create_database(DatabaseInput={"Name": "db"})
    keys = [{"Name": "year", "Type": "string"}, {"Name": "hour", "Type": "int"}]
    catalog.create_table(
        DatabaseName="db", TableInput=table_input("t", {"a": "int"}, PartitionKeys=keys)
    )
    for year in ("2023", "2024"):
        for hour in ("2", "10"):
            catalog.create_partition(
                DatabaseName="db",
                TableName="t",
                PartitionInput={
                    "Values": [year, hour],
                    "StorageDescriptor": {"Location": f"/d/{year}/{hour}/"},
                },
            )
    with pytest.raises(AlreadyExistsException):
        catalog.create_partition(
            DatabaseName="db", TableName="t", PartitionInput={"Values": ["2023", "2"]}
        )
    with pytest.raises(InvalidInputException, match="2 partition key"):
        catalog.create_partition(
            DatabaseName="db", TableName="t", PartitionInput={"Values": ["2025"]}
        )
    got = catalog.get_partition(DatabaseName="db", TableName="t", PartitionValues=["2024", "10"])[
        "Partition"
    ]
    assert got["StorageDescriptor"]["Location"] == "/d/2024/10/" and got["TableName"] == "t"

    def select(expression: str) -> list[list[str]]:
        found = catalog.get_partitions(DatabaseName="db", TableName="t", Expression=expression)
        return sorted(p["Values"] for p in found["Partitions"])

    assert select("year = '2024'") == [["2024", "10"], ["2024", "2"]]
    assert select("hour > 5") == [["2023", "10"], ["2024", "10"]]  # numeric key: 10 > 5
    assert select("year = '2023' AND hour IN (2, 3)") == [["2023", "2"]]
    assert select("year LIKE '20_4' OR NOT hour BETWEEN 1 AND 5") == [
        ["2023", "10"],
        ["2024", "10"],
        ["2024", "2"],
    ]
    assert select("(year <> '2023') AND (hour <= 2)") == [["2024", "2"]]
    with pytest.raises(InvalidInputException, match="not a partition key"):
        select("month = '01'")
    with pytest.raises(InvalidInputException, match="Expression"):
        select("year = ")
    page = catalog.get_partitions(DatabaseName="db", TableName="t", MaxResults=3)
    rest = catalog.get_partitions(DatabaseName="db", TableName="t", NextToken=page["NextToken"])
    assert len(page["Partitions"]) == 3 and len(rest["Partitions"]) == 1
    catalog.delete_partition(DatabaseName="db", TableName="t", PartitionValues=["2023", "2"])
    with pytest.raises(EntityNotFoundException):
        catalog.get_partition(DatabaseName="db", TableName="t", PartitionValues=["2023", "2"])


def test_partition_predicate_string_compare() -> None:
    test = partition_predicate("month >= '03'", {"month": "string"})
    assert test({"month": "03"}) and test({"month": "11"}) and not test({"month": "02"})


# -- applying crawls ----------------------------------------------------------------------------
def run(catalog: Catalog, crawler: dict, spec_catalog: dict | None = None) -> tuple[dict, dict]:
    spec = {"Crawler": crawler, "Catalog": spec_catalog or snapshot(catalog, crawler)}
    result = execute_crawl(spec)
    assert result["State"] == "SUCCEEDED", result["ErrorMessage"]
    with catalog.store.transaction() as conn:
        summary = catalog.apply_crawl(crawler, result, conn)
    return result, summary


def snapshot(catalog: Catalog, crawler: dict) -> dict:
    db = crawler["DatabaseName"]
    try:
        found = catalog.get_tables(DatabaseName=db)["TableList"]
    except EntityNotFoundException:
        found = []
    return {"Tables": found}


def crawler(path: Path, **extra: Any) -> dict:
    return {
        "Name": "c",
        "DatabaseName": "lake",
        "Targets": {"S3Targets": [{"Path": str(path)}]},
        **extra,
    }


def test_apply_crawl_creates_then_versions_on_schema_change(
    catalog: Catalog, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    write(data / "sales" / "year=2023" / "a.csv", "id,amount\n1,10\n2,20\n")
    write(data / "sales" / "year=2024" / "a.csv", "id,amount\n3,30\n4,40\n")
    write(data / "people" / "p.json", '{"name": "ann", "age": 3}\n')
    _, summary = run(catalog, crawler(data))
    assert summary["DatabasesCreated"] == ["lake"]
    assert sorted(summary["TablesCreated"]) == ["lake.people", "lake.sales"]
    assert summary["PartitionsAdded"] == 2
    # Same data again: nothing changes, no new version.
    _, again = run(catalog, crawler(data))
    assert (
        again["TablesCreated"] == []
        and again["TablesUpdated"] == []
        and again["PartitionsAdded"] == 0
    )
    assert catalog.get_table(DatabaseName="lake", Name="sales")["Table"]["VersionId"] == "0"
    # A statistics-only change (more rows) refreshes without a new version.
    write(data / "sales" / "year=2024" / "a.csv", "id,amount\n3,30\n4,40\n5,50\n")
    _, stats = run(catalog, crawler(data))
    table = catalog.get_table(DatabaseName="lake", Name="sales")["Table"]
    assert stats["TablesUpdated"] == [] and table["VersionId"] == "0"
    assert table["Parameters"]["recordCount"] == "5"
    # A schema change: amount becomes double, a column appears → version 1.
    write(data / "sales" / "year=2025" / "a.csv", "id,amount,channel\n6,1.5,web\n7,2.5,shop\n")
    _, changed = run(catalog, crawler(data))
    assert changed["PartitionsAdded"] == 1
    assert changed["TablesUpdated"] == ["lake.sales"]
    [update] = changed["SchemaChanges"]
    assert update["Table"] == "lake.sales" and update["VersionId"] == "1" and update["Applied"]
    assert update["ColumnsAdded"] == ["channel"] and update["ColumnsRetyped"] == [
        "amount: bigint -> double"
    ]
    diff = catalog.schema_diff("lake", "sales", "0", "1")
    changes = dict(zip(diff["Column"], diff["Change"], strict=False))
    assert changes == {
        "id": "unchanged",
        "amount": "type changed",
        "channel": "added",
        "year": "unchanged",
    }
    frame = catalog.versions_frame("lake", "sales")
    assert list(frame["VersionId"]) == [0, 1] and frame["Added"].iloc[1] == "channel"


def test_update_behavior_log_keeps_table(catalog: Catalog, tmp_path: Path) -> None:
    data = tmp_path / "d"
    write(data / "t" / "a.csv", "x,y\n1,2\n3,4\n")
    policy = {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
    run(catalog, crawler(data, SchemaChangePolicy=policy))
    write(data / "t" / "a.csv", "x,y,z\n1,2,3\n3,4,5\n")
    _, summary = run(catalog, crawler(data, SchemaChangePolicy=policy))
    assert summary["TablesUpdated"] == []
    assert summary["TablesNotUpdated"] == ["lake.t"]
    assert (
        summary["SchemaChanges"][0]["ColumnsAdded"] == ["z"]
        and not summary["SchemaChanges"][0]["Applied"]
    )
    columns = catalog.columns_frame("lake", "t")
    assert list(columns["Name"]) == ["x", "y"]


@pytest.mark.parametrize(
    ("behavior", "exists", "deprecated"),
    [
        ("DEPRECATE_IN_DATABASE", True, True),
        ("DELETE_FROM_DATABASE", False, False),
        ("LOG", True, False),
    ],
)
def test_delete_behaviors(
    catalog: Catalog, tmp_path: Path, behavior: str, exists: bool, deprecated: bool
) -> None:
    data = tmp_path / "d"
    write(data / "keep" / "a.csv", "k,v\n1,2\n3,4\n")
    write(data / "gone" / "a.json", '{"q": 1}\n')
    write(data / "parts" / "p=1" / "a.csv", "m,n\n1,2\n3,4\n")
    write(data / "parts" / "p=2" / "a.csv", "m,n\n5,6\n7,8\n")
    policy = {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": behavior}
    run(catalog, crawler(data, SchemaChangePolicy=policy))
    (data / "gone" / "a.json").unlink()
    (data / "parts" / "p=2" / "a.csv").unlink()
    _, summary = run(catalog, crawler(data, SchemaChangePolicy=policy))
    names = {t["Name"]: t for t in catalog.get_tables(DatabaseName="lake")["TableList"]}
    assert ("gone" in names) is exists
    assert "keep" in names
    if exists:
        assert ("DEPRECATED_BY_CRAWLER" in names["gone"]["Parameters"]) is deprecated
        assert "DEPRECATED_BY_CRAWLER" not in names["keep"]["Parameters"]
    parts = catalog.get_partitions(DatabaseName="lake", TableName="parts")["Partitions"]
    values = {p["Values"][0]: p for p in parts}
    if behavior == "DELETE_FROM_DATABASE":
        assert summary["TablesDeleted"] == ["lake.gone"] and set(values) == {"1"}
    elif behavior == "DEPRECATE_IN_DATABASE":
        assert summary["TablesDeprecated"] == ["lake.gone"]
        assert "DEPRECATED_BY_CRAWLER" in values["2"]["Parameters"]
        assert catalog.get_table(DatabaseName="lake", Name="gone")["Table"]["VersionId"] == "1"
    else:
        assert summary["TablesNotDeleted"] == ["lake.gone"] and summary["PartitionsNotDeleted"] == 1
    assert (
        catalog.tables_frame("lake")
        .set_index("Name")
        .loc["gone" if exists else "keep", "Deprecated"]
        == deprecated
    )


def test_merge_new_columns_only_appends(catalog: Catalog, tmp_path: Path) -> None:
    data = tmp_path / "d"
    write(data / "t" / "a.csv", "x,y\n1,2\n3,4\n")
    config = json.dumps({"CrawlerOutput": {"Tables": {"AddOrUpdateBehavior": "MergeNewColumns"}}})
    run(catalog, crawler(data, Configuration=config))
    write(data / "t" / "a.csv", "y,z\nfoo,1\nbar,2\n")  # x removed, y retyped, z new
    run(catalog, crawler(data, Configuration=config))
    columns = catalog.columns_frame("lake", "t")
    assert list(zip(columns["Name"], columns["Type"], strict=False)) == [
        ("x", "bigint"),
        ("y", "bigint"),
        ("z", "bigint"),
    ]


# -- DataFrames and read_table -------------------------------------------------------------------
@pytest.fixture
def lake(catalog: Catalog, tmp_path: Path) -> Catalog:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = tmp_path / "lake"
    for year in ("2023", "2024"):
        for month in ("01", "02"):
            rows = [f"{year}{month}{i},{i * 1.5},{'true' if i % 2 else 'false'}" for i in range(3)]
            write(
                data / "sales" / f"year={year}" / f"month={month}" / "part.csv",
                "id,amount,ok\n" + "\n".join(rows) + "\n",
            )
    for region in ("eu", "us"):
        folder = data / "events" / f"region={region}"
        folder.mkdir(parents=True)
        pq.write_table(pa.table({"n": [1, 2], "label": [region, region]}), folder / "e.parquet")
    write(
        data / "logs" / "l.json.gz",
        gzip.compress(b'{"level": "info", "code": 1}\n{"level": "warn", "code": 2}\n'),
    )
    run(catalog, crawler(data))
    return catalog


def test_frames(lake: Catalog) -> None:
    dbs = lake.databases_frame()
    assert list(dbs["Name"]) == ["lake"] and int(dbs["Tables"].iloc[0]) == 3
    tables = lake.tables_frame("lake").set_index("Name")
    assert tables.loc["sales", "Partitions"] == 4
    assert tables.loc["sales", "PartitionKeys"] == "year, month"
    assert tables.loc["events", "Classification"] == "parquet"
    assert tables.loc["logs", "RecordCount"] == 2
    columns = lake.columns_frame("lake", "sales")
    assert list(columns["Name"]) == ["id", "amount", "ok", "year", "month"]
    assert list(columns["PartitionKey"]) == [False, False, False, True, True]
    parts = lake.partitions_frame("lake", "sales")
    assert sorted(zip(parts["year"], parts["month"], strict=False)) == [
        ("2023", "01"),
        ("2023", "02"),
        ("2024", "01"),
        ("2024", "02"),
    ]


def test_read_table_whole_and_typed(lake: Catalog) -> None:
    frame = lake.read_table("lake", "sales")
    assert len(frame) == 12
    assert list(frame.columns) == ["id", "amount", "ok", "year", "month"]
    assert str(frame["id"].dtype) == "Int64" and str(frame["ok"].dtype) == "boolean"
    assert set(frame["year"]) == {"2023", "2024"}
    events = lake.read_table("lake", "events", columns=["label", "region"])
    assert sorted(zip(events["label"], events["region"], strict=False)) == [
        ("eu", "eu"),
        ("eu", "eu"),
        ("us", "us"),
        ("us", "us"),
    ]
    logs = lake.read_table("lake", "logs")
    assert list(logs["level"]) == ["info", "warn"]
    with pytest.raises(InvalidInputException, match="unknown column"):
        lake.read_table("lake", "sales", columns=["nope"])
    with pytest.raises(InvalidInputException, match="not a partition key"):
        lake.read_table("lake", "sales", partitions={"day": "1"})
    with pytest.raises(InvalidInputException, match="no partition keys"):
        lake.read_table("lake", "logs", partitions={"x": "1"})


def test_read_table_keeps_json_booleans_beside_missing_values(
    catalog: Catalog, tmp_path: Path
) -> None:
    """A JSON boolean missing from some rows is read by pandas as 1.0/NaN: still True/<NA>."""
    data = tmp_path / "lake"
    write(data / "ev" / "e.json", '{"a": 1}\n{"a": 2, "c": true}\n{"a": 3, "c": false}\n')
    run(catalog, crawler(data))
    frame = catalog.read_table("lake", "ev")
    assert str(frame["c"].dtype) == "boolean"
    assert frame["c"].isna().tolist() == [True, False, False]
    assert frame["c"].tolist()[1:] == [True, False]


def test_read_table_skips_a_partition_whose_folder_is_gone(lake: Catalog, tmp_path: Path) -> None:
    """A partition deleted from the lake (and deprecated by the next crawl, Glue's default)
    holds no rows; a table whose own Location is gone is a clear error."""
    import shutil

    shutil.rmtree(tmp_path / "lake" / "sales" / "year=2023" / "month=01")
    assert len(lake.read_table("lake", "sales")) == 9  # before a crawl noticed
    run(lake, crawler(tmp_path / "lake"))
    assert len(lake.read_table("lake", "sales")) == 9  # after it deprecated the partition
    (tmp_path / "lake" / "logs" / "l.json.gz").unlink()
    (tmp_path / "lake" / "logs").rmdir()
    with pytest.raises(InvalidInputException, match=r"lake.logs: its Location .* does not exist"):
        lake.read_table("lake", "logs")


def test_read_table_opens_only_selected_partitions(
    lake: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Corrupt every 2023 file: a filter on 2024 must not even open them.
    for path in (tmp_path / "lake" / "sales").glob("year=2023/*/part.csv"):
        path.write_bytes(b"\xff\xfe garbage \x00")
    opened: list[str] = []
    real = catalog_module._open_data

    def counting(url: str, compression: str | None) -> Any:
        opened.append(url)
        return real(url, compression)

    monkeypatch.setattr(catalog_module, "_open_data", counting)
    frame = lake.read_table("lake", "sales", partitions={"year": "2024"})
    assert len(frame) == 6 and set(frame["year"]) == {"2024"}
    assert len(opened) == 2 and all("year=2024" in url for url in opened)
    opened.clear()
    one = lake.read_table(
        "lake",
        "sales",
        partitions={"year": ["2024"], "month": lambda m: m == "02"},
        columns=["id", "month"],
    )
    assert list(one.columns) == ["id", "month"] and len(one) == 3 and len(opened) == 1
    opened.clear()
    by_fn = lake.read_table(
        "lake", "sales", partitions=lambda v: v["year"] == "2024" and v["month"] == "01"
    )
    assert len(by_fn) == 3 and len(opened) == 1
    by_expr = lake.read_table("lake", "sales", partitions="year = '2024' AND month IN ('01', '02')")
    assert len(by_expr) == 6
    with pytest.raises(InvalidInputException, match="cannot read"):
        lake.read_table("lake", "sales")
    with pytest.warns(UserWarning, match="cannot read"):
        assert len(lake.read_table("lake", "sales", errors="skip")) == 6
