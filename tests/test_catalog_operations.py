"""The Data Catalog's Glue operations on the real SQLite store: partition writes and their batch
forms, table-version and table batch deletes, CatalogId, CreateDatabase Tags and parameter checks,
with every response checked member by member against botocore's Glue output shapes."""

from __future__ import annotations

import inspect
import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ParamValidationError
from botocore_shapes import assert_output, input_members, response_problems

import glue_nb
from glue_nb.catalog import CATALOG_ID, Catalog
from glue_nb.exceptions import (
    AlreadyExistsException,
    ConcurrentModificationException,
    EntityNotFoundException,
    InternalServiceException,
    InvalidInputException,
)
from glue_nb.store import Store


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return Catalog(Store(tmp_path / "home"))


def table_input(name: str = "t", keys: tuple[str, ...] = ("year", "month")) -> dict[str, Any]:
    return {
        "Name": name,
        "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "amount", "Type": "double"}],
            "Location": f"/data/{name}/",
        },
        "PartitionKeys": [{"Name": k, "Type": "string"} for k in keys],
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "csv"},
    }


def part(year: str, month: str, **extra: Any) -> dict[str, Any]:
    return {
        "Values": [year, month],
        "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "bigint"}],
            "Location": f"/data/t/year={year}/month={month}/",
        },
        "Parameters": {"recordCount": "10"},
        **extra,
    }


@pytest.fixture
def table(catalog: Catalog) -> Catalog:
    """A catalog with database ``db`` and table ``db.t`` partitioned by (year, month)."""
    catalog.create_database(DatabaseInput={"Name": "db"})
    catalog.create_table(DatabaseName="db", TableInput=table_input())
    return catalog


def values_of(response: dict[str, Any]) -> list[list[str]]:
    return [p["Values"] for p in response["Partitions"]]


def operations() -> dict[str, Any]:
    """Every Glue operation the Catalog implements: PascalCase name → bound-method name."""
    return {
        fn.glue_operation: name
        for name, fn in inspect.getmembers(Catalog, inspect.isfunction)
        if hasattr(fn, "glue_operation")
    }


# -- the shape checker itself ----------------------------------------------------------------
def test_the_shape_checker_finds_extra_keys_missing_members_and_wrong_types() -> None:
    good = {"Database": {"Name": "db", "CreateTime": datetime.now().astimezone()}}
    assert response_problems("GetDatabase", good) == []
    bad = {
        "Database": {"Name": 5, "CreateTime": "yesterday", "Tags": {}},
        "Extra": 1,
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }
    problems = response_problems("GetDatabase", bad)
    assert any("'Extra' is not a member" in p for p in problems)
    assert any("'Tags' is not a member of Database" in p for p in problems)
    assert any("Database.Name: expected a string" in p for p in problems)
    assert any("CreateTime: expected a tz-aware datetime" in p for p in problems)
    missing = response_problems("GetPartition", {"Partition": {"Values": [""]}})
    assert missing == [
        "GetPartition.Partition.Values[0]: length 0 is below ValueString's minimum 1"
    ]
    errors = {"Errors": [{"PartitionValues": ["a"], "ErrorDetail": {"ErrorCode": 7}}]}
    assert response_problems("BatchCreatePartition", errors) == [
        "BatchCreatePartition.Errors[0].ErrorDetail.ErrorCode: expected a string (NameString), "
        "got 7"
    ]
    with pytest.raises(AssertionError, match="departs from botocore"):
        assert_output("GetDatabase", bad)


# -- every operation: Glue's parameters, checked before anything runs ------------------------
def test_every_operation_accepts_exactly_the_parameters_of_glues_request_shape() -> None:
    found = operations()
    assert {
        "CreatePartition", "UpdatePartition", "DeletePartition", "BatchCreatePartition",
        "BatchUpdatePartition", "BatchDeletePartition", "BatchGetPartition", "DeleteTableVersion",
        "BatchDeleteTableVersion", "BatchDeleteTable", "CreateDatabase", "GetPartitions",
    } <= set(found)  # fmt: skip
    for operation, method in found.items():
        assert getattr(Catalog, method).glue_parameters == input_members(operation), operation


@pytest.mark.parametrize("operation", sorted(operations()))
def test_an_unknown_keyword_is_an_invalid_input_naming_it(catalog: Catalog, operation: str) -> None:
    method = getattr(catalog, operations()[operation])
    with pytest.raises(InvalidInputException) as info:
        method(Bogus=1)
    assert "'Bogus'" in info.value.message and "valid parameters" in info.value.message
    assert info.value.operation_name == operation
    assert f"when calling the {operation} operation" in str(info.value)


def test_missing_positional_and_unsupported_parameters_are_invalid_input(
    table: Catalog,
) -> None:
    with pytest.raises(InvalidInputException, match=r"missing required parameter.*PartitionInput"):
        table.create_partition(DatabaseName="db", TableName="t")
    with pytest.raises(InvalidInputException, match="keyword parameters only"):
        table.get_table("db", "t")
    with pytest.raises(InvalidInputException, match=r"TransactionId.*governed"):
        table.get_partitions(DatabaseName="db", TableName="t", TransactionId="tx")
    with pytest.raises(InvalidInputException, match="PartitionIndexes"):
        table.create_table(DatabaseName="db", TableInput=table_input("u"), PartitionIndexes=[])
    with pytest.raises(InvalidInputException, match="AuditContext must be a map"):
        table.get_table(DatabaseName="db", Name="t", AuditContext="x")
    audited = table.get_table(
        DatabaseName="db", Name="t", AuditContext={"AdditionalAuditContext": "x"}
    )
    assert audited["Table"]["Name"] == "t"
    with pytest.raises(InvalidInputException, match=r"differs from TableInput\.Name"):
        table.create_table(DatabaseName="db", TableInput=table_input("u"), Name="v")
    assert [t["Name"] for t in table.get_tables(DatabaseName="db")["TableList"]] == ["t"]


# -- CatalogId ---------------------------------------------------------------------------------
def test_catalog_id_is_returned_everywhere_and_checked_when_given(table: Catalog) -> None:
    table.create_partition(DatabaseName="db", TableName="t", PartitionInput=part("2024", "01"))
    responses = {
        "GetDatabase": table.get_database(Name="db", CatalogId=CATALOG_ID),
        "GetDatabases": table.get_databases(),
        "GetTable": table.get_table(DatabaseName="db", Name="t"),
        "GetTables": table.get_tables(DatabaseName="db"),
        "GetTableVersion": table.get_table_version(DatabaseName="db", TableName="t"),
        "GetTableVersions": table.get_table_versions(DatabaseName="db", TableName="t"),
        "GetPartition": table.get_partition(
            DatabaseName="db", TableName="t", PartitionValues=["2024", "01"]
        ),
        "GetPartitions": table.get_partitions(DatabaseName="db", TableName="t"),
    }
    for operation, response in responses.items():
        assert_output(operation, response)
    assert responses["GetDatabase"]["Database"]["CatalogId"] == CATALOG_ID == "123456789012"
    assert responses["GetDatabases"]["DatabaseList"][0]["CatalogId"] == CATALOG_ID
    assert responses["GetTable"]["Table"]["CatalogId"] == CATALOG_ID
    assert responses["GetTables"]["TableList"][0]["CatalogId"] == CATALOG_ID
    assert responses["GetTableVersion"]["TableVersion"]["Table"]["CatalogId"] == CATALOG_ID
    assert responses["GetTableVersions"]["TableVersions"][0]["Table"]["CatalogId"] == CATALOG_ID
    assert responses["GetPartition"]["Partition"]["CatalogId"] == CATALOG_ID
    assert responses["GetPartitions"]["Partitions"][0]["CatalogId"] == CATALOG_ID
    with pytest.raises(
        EntityNotFoundException, match=r"Catalog 999999999999 not found.*123456789012"
    ):
        table.get_database(Name="db", CatalogId="999999999999")
    with pytest.raises(EntityNotFoundException, match="Catalog 1 not found"):
        table.create_database(DatabaseInput={"Name": "other"}, CatalogId="1")
    with pytest.raises(InvalidInputException, match="CatalogId must be a string"):
        table.get_tables(DatabaseName="db", CatalogId=123456789012)
    assert [d["Name"] for d in table.get_databases()["DatabaseList"]] == ["db"]


# -- CreateDatabase Tags -----------------------------------------------------------------------
def test_create_database_accepts_tags_and_validates_them(catalog: Catalog) -> None:
    assert catalog.create_database(DatabaseInput={"Name": "a"}, Tags={"team": "data"}) == {}
    database = catalog.get_database(Name="a")
    assert_output("GetDatabase", database)  # the tags are not part of Glue's Database shape
    assert "Tags" not in database["Database"]
    catalog.update_database(Name="a", DatabaseInput={"Name": "a", "Description": "d"})
    with catalog.store.read() as conn:
        body = json.loads(conn.execute("SELECT body FROM databases WHERE name = 'a'").fetchone()[0])
    assert body["Tags"] == {"team": "data"} and body["Description"] == "d"
    with pytest.raises(InvalidInputException, match="value of 'n' must be a string"):
        catalog.create_database(DatabaseInput={"Name": "b"}, Tags={"n": 1})
    with pytest.raises(InvalidInputException, match="51 tags; at most 50"):
        catalog.create_database(DatabaseInput={"Name": "b"}, Tags={f"k{i}": "v" for i in range(51)})
    with pytest.raises(InvalidInputException, match="1-128 characters"):
        catalog.create_database(DatabaseInput={"Name": "b"}, Tags={"k" * 129: "v"})
    assert [d["Name"] for d in catalog.get_databases()["DatabaseList"]] == ["a"]


# -- single partitions ---------------------------------------------------------------------------
def test_create_update_delete_partition(table: Catalog) -> None:
    assert_output(
        "CreatePartition",
        table.create_partition(DatabaseName="db", TableName="t", PartitionInput=part("2024", "01")),
    )
    with pytest.raises(AlreadyExistsException, match=r"db.t \['2024', '01'\]"):
        table.create_partition(DatabaseName="db", TableName="t", PartitionInput=part("2024", "01"))
    with pytest.raises(InvalidInputException, match="1 partition value"):
        table.create_partition(
            DatabaseName="db", TableName="t", PartitionInput={"Values": ["2024"]}
        )
    with pytest.raises(InvalidInputException, match="strings of 1-1024"):
        table.create_partition(DatabaseName="db", TableName="t", PartitionInput=part("2024", ""))
    with pytest.raises(EntityNotFoundException, match="Table nope not found"):
        table.create_partition(
            DatabaseName="db", TableName="nope", PartitionInput=part("2024", "01")
        )
    before = table.get_partition(DatabaseName="db", TableName="t", PartitionValues=["2024", "01"])
    assert_output("GetPartition", before)

    new = {
        "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "int"}], "Location": "/moved/"},
        "Parameters": {"recordCount": "99"},
    }  # Values left out: the partition keeps its own
    response = table.update_partition(
        DatabaseName="db", TableName="t", PartitionValueList=["2024", "01"], PartitionInput=new
    )
    assert_output("UpdatePartition", response)
    after = table.get_partition(DatabaseName="db", TableName="t", PartitionValues=["2024", "01"])
    got = after["Partition"]
    assert got["Values"] == ["2024", "01"]
    assert got["StorageDescriptor"]["Location"] == "/moved/"
    assert got["Parameters"] == {"recordCount": "99"}
    assert got["CreationTime"] == before["Partition"]["CreationTime"]
    with pytest.raises(InvalidInputException, match="Values cannot be changed"):
        table.update_partition(
            DatabaseName="db",
            TableName="t",
            PartitionValueList=["2024", "01"],
            PartitionInput=part("2025", "01"),
        )
    with pytest.raises(EntityNotFoundException, match=r"\['2030', '01'\].*not found"):
        table.update_partition(
            DatabaseName="db",
            TableName="t",
            PartitionValueList=["2030", "01"],
            PartitionInput=part("2030", "01"),
        )

    assert_output(
        "DeletePartition",
        table.delete_partition(DatabaseName="db", TableName="t", PartitionValues=["2024", "01"]),
    )
    with pytest.raises(EntityNotFoundException):
        table.delete_partition(DatabaseName="db", TableName="t", PartitionValues=["2024", "01"])
    with pytest.raises(InvalidInputException, match="PartitionValues must be a list"):
        table.delete_partition(DatabaseName="db", TableName="t", PartitionValues="2024")
    assert table.get_partitions(DatabaseName="db", TableName="t")["Partitions"] == []


# -- batches of partitions ---------------------------------------------------------------------
def test_batch_create_partition_reports_each_failed_entry_and_creates_the_rest(
    table: Catalog,
) -> None:
    table.create_partition(DatabaseName="db", TableName="t", PartitionInput=part("2024", "01"))
    response = table.batch_create_partition(
        DatabaseName="db",
        TableName="t",
        PartitionInputList=[
            part("2024", "01"),  # exists already
            part("2024", "02"),
            {"Values": ["2024"]},  # one value for two keys
            part("2024", "02"),  # created by the second entry
            part("2024", "03"),
        ],
    )
    assert_output("BatchCreatePartition", response)
    errors = response["Errors"]
    assert [e["PartitionValues"] for e in errors] == [["2024", "01"], ["2024"], ["2024", "02"]]
    assert [e["ErrorDetail"]["ErrorCode"] for e in errors] == [
        "AlreadyExistsException",
        "InvalidInputException",
        "AlreadyExistsException",
    ]
    assert "PartitionInputList[2]" in errors[1]["ErrorDetail"]["ErrorMessage"]
    assert values_of(table.get_partitions(DatabaseName="db", TableName="t")) == [
        ["2024", "01"],
        ["2024", "02"],
        ["2024", "03"],
    ]
    assert table.batch_create_partition(
        DatabaseName="db", TableName="t", PartitionInputList=[part("2025", "01")]
    ) == {"Errors": []}


def test_batch_create_partition_refuses_the_whole_request_before_writing(table: Catalog) -> None:
    too_many = [part("2024", f"{i:03d}") for i in range(101)]
    with pytest.raises(InvalidInputException, match="PartitionInputList must hold 0 to 100"):
        table.batch_create_partition(DatabaseName="db", TableName="t", PartitionInputList=too_many)
    with pytest.raises(EntityNotFoundException, match="Table nope"):
        table.batch_create_partition(
            DatabaseName="db", TableName="nope", PartitionInputList=[part("2024", "01")]
        )
    with pytest.raises(EntityNotFoundException, match="Database nodb"):
        table.batch_create_partition(
            DatabaseName="nodb", TableName="t", PartitionInputList=[part("2024", "01")]
        )
    assert table.get_partitions(DatabaseName="db", TableName="t")["Partitions"] == []


def test_batch_update_partition(table: Catalog) -> None:
    table.batch_create_partition(
        DatabaseName="db",
        TableName="t",
        PartitionInputList=[part("2024", "01"), part("2024", "02")],
    )
    response = table.batch_update_partition(
        DatabaseName="db",
        TableName="t",
        Entries=[
            {
                "PartitionValueList": ["2024", "01"],
                "PartitionInput": part("2024", "01", Parameters={"v": "new"}),
            },
            {"PartitionValueList": ["2030", "01"], "PartitionInput": part("2030", "01")},
            {"PartitionValueList": ["2024", "02"], "PartitionInput": part("2099", "02")},
        ],
    )
    assert_output("BatchUpdatePartition", response)
    assert [
        (e["PartitionValueList"], e["ErrorDetail"]["ErrorCode"]) for e in response["Errors"]
    ] == [
        (["2030", "01"], "EntityNotFoundException"),
        (["2024", "02"], "InvalidInputException"),
    ]
    got = table.get_partition(DatabaseName="db", TableName="t", PartitionValues=["2024", "01"])
    assert got["Partition"]["Parameters"] == {"v": "new"}
    unchanged = table.get_partition(
        DatabaseName="db", TableName="t", PartitionValues=["2024", "02"]
    )
    assert unchanged["Partition"]["Parameters"] == {"recordCount": "10"}
    with pytest.raises(InvalidInputException, match="Entries must hold 1 to 100"):
        table.batch_update_partition(DatabaseName="db", TableName="t", Entries=[])
    with pytest.raises(InvalidInputException, match=r"Entries\[0\] has no PartitionInput"):
        table.batch_update_partition(
            DatabaseName="db", TableName="t", Entries=[{"PartitionValueList": ["2024", "01"]}]
        )


def test_batch_delete_partition(table: Catalog) -> None:
    table.batch_create_partition(
        DatabaseName="db",
        TableName="t",
        PartitionInputList=[part("2024", "01"), part("2024", "02")],
    )
    response = table.batch_delete_partition(
        DatabaseName="db",
        TableName="t",
        PartitionsToDelete=[{"Values": ["2024", "01"]}, {"Values": ["1999", "01"]}],
    )
    assert_output("BatchDeletePartition", response)
    [error] = response["Errors"]
    assert error["PartitionValues"] == ["1999", "01"]
    assert error["ErrorDetail"]["ErrorCode"] == "EntityNotFoundException"
    assert values_of(table.get_partitions(DatabaseName="db", TableName="t")) == [["2024", "02"]]
    with pytest.raises(InvalidInputException, match="PartitionsToDelete must hold 0 to 25"):
        table.batch_delete_partition(
            DatabaseName="db",
            TableName="t",
            PartitionsToDelete=[{"Values": ["2024", "02"]}] * 26,
        )
    with pytest.raises(InvalidInputException, match=r"PartitionsToDelete\[0\] must be a map"):
        table.batch_delete_partition(
            DatabaseName="db", TableName="t", PartitionsToDelete=[["2024", "02"]]
        )
    assert values_of(table.get_partitions(DatabaseName="db", TableName="t")) == [["2024", "02"]]


def test_batch_get_partition_returns_those_that_exist_in_the_order_asked(table: Catalog) -> None:
    table.batch_create_partition(
        DatabaseName="db",
        TableName="t",
        PartitionInputList=[part("2024", m) for m in ("01", "02", "03")],
    )
    response = table.batch_get_partition(
        DatabaseName="db",
        TableName="t",
        PartitionsToGet=[
            {"Values": ["2024", "03"]},
            {"Values": ["2030", "01"]},
            {"Values": ["2024", "01"]},
            {"Values": ["2024", "03"]},
        ],
        QuerySessionContext={"QueryId": "q"},
    )
    assert_output("BatchGetPartition", response)
    assert values_of(response) == [["2024", "03"], ["2024", "01"]]
    assert response["UnprocessedKeys"] == []
    assert response["Partitions"][0]["StorageDescriptor"]["Location"].endswith("month=03/")
    with pytest.raises(InvalidInputException, match="PartitionsToGet must hold 0 to 1000"):
        table.batch_get_partition(
            DatabaseName="db", TableName="t", PartitionsToGet=[{"Values": ["a", "b"]}] * 1001
        )


def test_get_partitions_segments_split_the_partitions(table: Catalog) -> None:
    table.batch_create_partition(
        DatabaseName="db",
        TableName="t",
        PartitionInputList=[part(str(y), f"{m:02d}") for y in (2023, 2024) for m in range(1, 13)],
    )
    seen: list[list[str]] = []
    for number in range(3):
        segment = {"SegmentNumber": number, "TotalSegments": 3}
        page = table.get_partitions(DatabaseName="db", TableName="t", Segment=segment, MaxResults=2)
        got = values_of(page)
        while "NextToken" in page:
            page = table.get_partitions(
                DatabaseName="db", TableName="t", Segment=segment, NextToken=page["NextToken"]
            )
            got += values_of(page)
        assert_output("GetPartitions", page)
        assert got, f"segment {number} is empty"
        seen += got
    assert sorted(seen) == sorted(values_of(table.get_partitions(DatabaseName="db", TableName="t")))
    assert len(seen) == 24  # each partition in exactly one segment
    with pytest.raises(InvalidInputException, match="Segment must be"):
        table.get_partitions(
            DatabaseName="db", TableName="t", Segment={"SegmentNumber": 3, "TotalSegments": 3}
        )
    lean = table.get_partitions(DatabaseName="db", TableName="t", ExcludeColumnSchema=True)
    assert_output("GetPartitions", lean)
    assert all("Columns" not in p["StorageDescriptor"] for p in lean["Partitions"])


# -- table versions and tables -----------------------------------------------------------------
def versions(catalog: Catalog) -> list[str]:
    found = catalog.get_table_versions(DatabaseName="db", TableName="t")["TableVersions"]
    return [v["VersionId"] for v in found]


def test_delete_table_version_and_its_batch_form(table: Catalog) -> None:
    for description in ("one", "two", "three", "four"):
        table.update_table(
            DatabaseName="db", TableInput={**table_input(), "Description": description}
        )
    assert versions(table) == ["4", "3", "2", "1", "0"]
    assert_output(
        "DeleteTableVersion",
        table.delete_table_version(DatabaseName="db", TableName="t", VersionId="1"),
    )
    with pytest.raises(EntityNotFoundException, match=r"Version 1 of table db\.t not found"):
        table.delete_table_version(DatabaseName="db", TableName="t", VersionId="1")
    with pytest.raises(InvalidInputException, match="current version"):
        table.delete_table_version(DatabaseName="db", TableName="t", VersionId="4")
    response = table.batch_delete_table_version(
        DatabaseName="db", TableName="t", VersionIds=["0", "4", "1", "x", "2"]
    )
    assert_output("BatchDeleteTableVersion", response)
    assert [
        (e["TableName"], e["VersionId"], e["ErrorDetail"]["ErrorCode"]) for e in response["Errors"]
    ] == [
        ("t", "4", "InvalidInputException"),
        ("t", "1", "EntityNotFoundException"),
        ("t", "x", "InvalidInputException"),
    ]
    assert versions(table) == ["4", "3"]
    assert table.get_table(DatabaseName="db", Name="t")["Table"]["Description"] == "four"
    with pytest.raises(InvalidInputException, match="VersionIds must hold 0 to 100"):
        table.batch_delete_table_version(DatabaseName="db", TableName="t", VersionIds=["3"] * 101)
    with pytest.raises(EntityNotFoundException, match="Table nope"):
        table.batch_delete_table_version(DatabaseName="db", TableName="nope", VersionIds=["1"])
    assert versions(table) == ["4", "3"]


def test_batch_delete_table_drops_tables_with_their_versions_and_partitions(
    table: Catalog,
) -> None:
    table.create_table(DatabaseName="db", TableInput=table_input("u", keys=()))
    table.update_table(DatabaseName="db", TableInput=table_input("u", keys=()))
    table.create_partition(DatabaseName="db", TableName="t", PartitionInput=part("2024", "01"))
    response = table.batch_delete_table(DatabaseName="db", TablesToDelete=["T", "nope", "u"])
    assert_output("BatchDeleteTable", response)
    [error] = response["Errors"]
    assert error["TableName"] == "nope"
    assert error["ErrorDetail"]["ErrorCode"] == "EntityNotFoundException"
    assert table.get_tables(DatabaseName="db")["TableList"] == []
    with table.store.read() as conn:
        left = [
            conn.execute(f"SELECT COUNT(*) FROM {name} WHERE database_name = 'db'").fetchone()[0]
            for name in ("tables", "table_versions", "partitions")
        ]
    assert left == [0, 0, 0]
    table.create_table(DatabaseName="db", TableInput=table_input())  # the name is free again
    assert versions(table) == ["0"]
    with pytest.raises(EntityNotFoundException, match="Database nodb"):
        table.batch_delete_table(DatabaseName="nodb", TablesToDelete=["t"])
    with pytest.raises(InvalidInputException, match="TablesToDelete must hold 0 to 100"):
        table.batch_delete_table(DatabaseName="db", TablesToDelete=["t"] * 101)
    with pytest.raises(InvalidInputException, match=r"TablesToDelete\[0\]"):
        table.batch_delete_table(DatabaseName="db", TablesToDelete=[7])
    assert [t["Name"] for t in table.get_tables(DatabaseName="db")["TableList"]] == ["t"]


def test_a_failing_batch_writes_nothing(table: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch is one transaction: when the store fails midway, the entries before are undone."""
    from glue_nb.store import catalog as rows

    real = rows.insert_partition
    calls = []

    def failing(conn: sqlite3.Connection, *args: Any) -> None:
        calls.append(args)
        if len(calls) == 2:
            raise sqlite3.OperationalError("disk I/O error")
        real(conn, *args)

    monkeypatch.setattr(rows, "insert_partition", failing)
    with pytest.raises(InternalServiceException, match="disk I/O error"):  # Glue's error
        table.batch_create_partition(
            DatabaseName="db",
            TableName="t",
            PartitionInputList=[part("2024", "01"), part("2024", "02")],
        )
    assert len(calls) == 2
    assert table.get_partitions(DatabaseName="db", TableName="t")["Partitions"] == []


# -- reads with Glue's optional parameters -----------------------------------------------------
def test_get_tables_and_databases_share_types_and_attributes(table: Catalog) -> None:
    names = table.get_tables(DatabaseName="db", AttributesToGet=["NAME"])
    assert_output("GetTables", names)
    assert names["TableList"] == [{"Name": "t"}]
    typed = table.get_tables(DatabaseName="db", AttributesToGet=["NAME", "TABLE_TYPE"])
    assert typed["TableList"] == [{"Name": "t", "TableType": "EXTERNAL_TABLE"}]
    assert table.get_tables(DatabaseName="db", ResourceShareType="FOREIGN") == {"TableList": []}
    assert len(table.get_tables(DatabaseName="db", ResourceShareType="ALL")["TableList"]) == 1
    with pytest.raises(InvalidInputException, match="includes NAME"):
        table.get_tables(DatabaseName="db", AttributesToGet=["TABLE_TYPE"])
    with pytest.raises(InvalidInputException, match="ResourceShareType must be one of"):
        table.get_tables(DatabaseName="db", ResourceShareType="MINE")
    assert table.get_databases(AttributesToGet=["NAME"])["DatabaseList"] == [{"Name": "db"}]
    assert table.get_databases(ResourceShareType="FEDERATED") == {"DatabaseList": []}


def test_update_table_checks_version_and_skip_archive(table: Catalog) -> None:
    with pytest.raises(ConcurrentModificationException, match="at version 0, not 5"):
        table.update_table(DatabaseName="db", TableInput=table_input(), VersionId="5")
    with pytest.raises(InvalidInputException, match="SkipArchive must be true or false"):
        table.update_table(DatabaseName="db", TableInput=table_input(), SkipArchive="yes")
    table.update_table(DatabaseName="db", TableInput=table_input(), SkipArchive=True, Force=False)
    assert versions(table) == ["1"]


# -- through glue_nb.client() ------------------------------------------------------------------
def test_the_client_reaches_the_new_operations(tmp_path: Path) -> None:
    client = glue_nb.client(tmp_path / "home")
    client.create_database(DatabaseInput={"Name": "db"}, Tags={"team": "x"})
    client.create_table(DatabaseName="db", TableInput=table_input())
    created = client.batch_create_partition(
        DatabaseName="db",
        TableName="t",
        PartitionInputList=[part("2024", "01"), part("2024", "01")],
    )
    assert [e["ErrorDetail"]["ErrorCode"] for e in created["Errors"]] == ["AlreadyExistsException"]
    got = client.batch_get_partition(
        DatabaseName="db", TableName="t", PartitionsToGet=[{"Values": ["2024", "01"]}]
    )
    assert_output("BatchGetPartition", got)
    assert values_of(got) == [["2024", "01"]]
    client.update_partition(
        DatabaseName="db",
        TableName="t",
        PartitionValueList=["2024", "01"],
        PartitionInput=part("2024", "01", Parameters={"k": "v"}),
    )
    client.delete_partition(DatabaseName="db", TableName="t", PartitionValues=["2024", "01"])
    deleted = client.batch_delete_table(DatabaseName="db", TablesToDelete=["t"])
    assert deleted["Errors"] == []
    with pytest.raises(ParamValidationError, match="Bogus"):  # botocore's own validation
        client.get_partitions(DatabaseName="db", TableName="t", Bogus=1)


def test_crawled_tables_and_partitions_have_glues_shapes(tmp_path: Path) -> None:
    """What a crawl writes (csv with a header, gzip json, parquet; Hive partitions; a second
    crawl that adds a column and archives a version) reads back in Glue's output shapes."""
    import gzip

    import pyarrow as pa
    import pyarrow.parquet as pq

    from glue_nb.crawlers import CrawlerService
    from glue_nb.engine import Engine

    data = tmp_path / "data"
    for day in ("1", "2"):
        folder = data / "orders" / f"day={day}"
        folder.mkdir(parents=True)
        (folder / "o.csv").write_text('id,amount,note\n1,2.5,"a, b"\n2,3.5,c\n')
    (data / "events").mkdir()
    (data / "events" / "e.json.gz").write_bytes(gzip.compress(b'{"k": 1, "v": {"x": [1]}}\n'))
    (data / "facts").mkdir()
    pq.write_table(
        pa.table({"n": [1, 2], "when": pa.array([1, 2], pa.timestamp("s"))}),
        data / "facts" / "f.parquet",
    )
    svc = CrawlerService(Store(tmp_path / "home"))
    svc.create_crawler(Name="c", Targets={"S3Targets": [{"Path": str(data)}]}, DatabaseName="lake")
    engine = Engine.for_store(svc.store)
    for _ in range(2):
        assert engine.wait(engine.start_crawl("c"), timeout=60)
        assert svc.get_crawler(Name="c")["Crawler"]["LastCrawl"]["Status"] == "SUCCEEDED"
        (data / "orders" / "day=3").mkdir(exist_ok=True)
        (data / "orders" / "day=3" / "o.csv").write_text("id,amount,note,extra\n3,1.5,d,e\n")
    catalog = svc.catalog
    tables = catalog.get_tables(DatabaseName="lake")
    assert_output("GetTables", tables)
    assert {t["Name"] for t in tables["TableList"]} == {"orders", "events", "facts"}
    partitions = catalog.get_partitions(DatabaseName="lake", TableName="orders")
    assert_output("GetPartitions", partitions)
    assert values_of(partitions) == [["1"], ["2"], ["3"]]
    history = catalog.get_table_versions(DatabaseName="lake", TableName="orders")
    assert_output("GetTableVersions", history)
    assert [v["VersionId"] for v in history["TableVersions"]] == ["1", "0"]
    assert_output("GetDatabase", catalog.get_database(Name="lake"))
