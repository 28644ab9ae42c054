"""execute_crawl: classification, schema inference and grouping into tables (no store)."""

from __future__ import annotations

import gzip
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from glue_nb.crawl import (
    execute_crawl,
    glob_to_regex,
    merge_types,
    parse_configuration,
    parse_type,
    render_type,
)
from glue_nb.exceptions import InvalidInputException


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


def crawl(*paths: Any, catalog: dict | None = None, stop: Any = None, **crawler: Any) -> dict:
    targets = [p if isinstance(p, dict) else {"Path": str(p)} for p in paths]
    spec = {
        "CrawlId": "cr_test",
        "Crawler": {
            "Name": "c",
            "DatabaseName": "db",
            "Targets": {"S3Targets": targets},
            **crawler,
        },
        "Catalog": catalog or {},
    }
    return execute_crawl(spec, stop)


def tables(result: dict) -> dict[str, dict]:
    assert result["State"] == "SUCCEEDED", result["ErrorMessage"]
    return {t["Name"]: t for t in result["Tables"]}


def cols(table: dict) -> dict[str, str]:
    return {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}


def parts(result: dict, table: str) -> dict[tuple[str, ...], dict]:
    return {tuple(p["Values"]): p for p in result["Partitions"] if p["TableName"] == table}


# -- formats ------------------------------------------------------------------------------------
def test_csv_with_header_types_and_parameters(tmp_path: Path) -> None:
    write(
        tmp_path / "sales" / "a.csv",
        "id,amount,paid,day,at,note\n"
        "1,2.5,true,2024-01-01,2024-01-01 10:00:00,hello\n"
        "2,3,false,2024-01-02,2024-01-02T11:30:00Z,\n",
    )
    result = crawl(tmp_path / "sales")
    table = tables(result)["sales"]
    assert cols(table) == {
        "id": "bigint",
        "amount": "double",
        "paid": "boolean",
        "day": "date",
        "at": "timestamp",
        "note": "string",
    }
    params = table["Parameters"]
    assert params["classification"] == "csv"
    assert params["delimiter"] == ","
    assert params["skip.header.line.count"] == "1"
    assert params["compressionType"] == "none"
    assert params["recordCount"] == "2"
    assert params["objectCount"] == "1"
    assert params["sizeKey"] == str((tmp_path / "sales" / "a.csv").stat().st_size)
    assert params["UPDATED_BY_CRAWLER"] == "c"
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert table["StorageDescriptor"]["Location"] == str(tmp_path / "sales") + "/"
    assert table["PartitionKeys"] == []
    assert table["DatabaseName"] == "db"


def test_tsv_and_pipe_delimiters(tmp_path: Path) -> None:
    write(tmp_path / "d" / "t" / "x.tsv", "a\tb\tc\n1\tx,y\t2\n3\tz\t4\n")
    write(tmp_path / "d" / "p" / "x.txt", "k|v\n1|a\n2|b\n")
    got = tables(crawl(tmp_path / "d"))
    assert got["t"]["Parameters"]["delimiter"] == "\t"
    assert cols(got["t"]) == {"a": "bigint", "b": "string", "c": "bigint"}
    assert got["p"]["Parameters"]["delimiter"] == "|"
    assert got["t"]["StorageDescriptor"]["SerdeInfo"]["Parameters"] == {"field.delim": "\t"}


def test_headerless_csv_gets_col_names(tmp_path: Path) -> None:
    write(tmp_path / "n" / "x.csv", "1,2.5,a\n2,3.5,b\n3,4.5,c\n")
    table = tables(crawl(tmp_path / "n"))["n"]
    assert cols(table) == {"col0": "bigint", "col1": "double", "col2": "string"}
    assert "skip.header.line.count" not in table["Parameters"]
    assert table["Parameters"]["recordCount"] == "3"


def test_gzip_csv(tmp_path: Path) -> None:
    write(tmp_path / "g" / "x.csv.gz", gzip.compress(b"a,b\n1,x\n2,y\n3,z\n"))
    table = tables(crawl(tmp_path / "g"))["g"]
    assert table["Parameters"]["compressionType"] == "gzip"
    assert table["StorageDescriptor"]["Compressed"] is True
    assert table["Parameters"]["recordCount"] == "3"
    assert cols(table) == {"a": "bigint", "b": "string"}


def test_parquet_schema_from_footer_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    data = pa.table(
        {
            "i32": pa.array([1, 2], pa.int32()),
            "i64": pa.array([1, 2], pa.int64()),
            "f": pa.array([1.0, 2.0]),
            "s": ["a", "b"],
            "ok": [True, False],
            "ts": pa.array([dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2)]),
            "d": pa.array([dt.date(2024, 1, 1), dt.date(2024, 1, 2)]),
            "tags": [[1, 2], [3]],
            "addr": [{"city": "x", "zip": 1}, {"city": "y", "zip": 2}],
            "dec": pa.array([1, 2], pa.decimal128(10, 2)),
        }
    )
    (tmp_path / "pq").mkdir()
    pq.write_table(data, tmp_path / "pq" / "part-0.parquet")

    def no_data(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the crawler read Parquet data, not just the footer")

    monkeypatch.setattr(pq.ParquetFile, "read", no_data)
    monkeypatch.setattr(pq.ParquetFile, "iter_batches", no_data)
    monkeypatch.setattr(pq, "read_table", no_data)
    table = tables(crawl(tmp_path / "pq"))["pq"]
    assert cols(table) == {
        "i32": "int",
        "i64": "bigint",
        "f": "double",
        "s": "string",
        "ok": "boolean",
        "ts": "timestamp",
        "d": "date",
        "tags": "array<bigint>",
        "addr": "struct<city:string,zip:bigint>",
        "dec": "decimal(10,2)",
    }
    assert table["Parameters"]["classification"] == "parquet"
    assert table["Parameters"]["recordCount"] == "2"
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith(
        "ParquetHiveSerDe"
    )


def test_json_lines_nested_types(tmp_path: Path) -> None:
    lines = [
        {"id": 1, "v": 1, "user": {"name": "a"}, "tags": ["x"]},
        {"id": 2, "v": 2.5, "user": {"age": 3}, "tags": []},
    ]
    write(tmp_path / "j" / "e.json", "\n".join(json.dumps(x) for x in lines) + "\n")
    table = tables(crawl(tmp_path / "j"))["j"]
    assert cols(table) == {
        "id": "bigint",
        "v": "double",
        "user": "struct<name:string,age:bigint>",
        "tags": "array<string>",
    }
    assert table["Parameters"]["classification"] == "json"
    assert table["Parameters"]["recordCount"] == "2"


def test_big_csv_is_sampled_and_record_count_estimated(tmp_path: Path) -> None:
    row = "12345,some text here,2.5\n"
    rows = 200_000  # ~5 MB, well above the 1 MiB sample
    write(tmp_path / "big" / "x.csv", "id,text,v\n" + row * rows)
    table = tables(crawl(tmp_path / "big"))["big"]
    estimate = int(table["Parameters"]["recordCount"])
    assert abs(estimate - rows) / rows < 0.01
    assert int(table["Parameters"]["averageRecordSize"]) == len(row)


# -- grouping -----------------------------------------------------------------------------------
def test_hive_partitions(tmp_path: Path) -> None:
    for year, month in [("2023", "12"), ("2024", "01"), ("2024", "02")]:
        write(tmp_path / "sales" / f"year={year}" / f"month={month}" / "x.csv", "a,b\n1,x\n2,y\n")
    result = crawl(tmp_path / "sales")
    table = tables(result)["sales"]
    assert table["PartitionKeys"] == [
        {"Name": "year", "Type": "string"},
        {"Name": "month", "Type": "string"},
    ]
    got = parts(result, "sales")
    assert set(got) == {("2023", "12"), ("2024", "01"), ("2024", "02")}
    loc = got[("2024", "01")]["StorageDescriptor"]["Location"]
    assert loc == str(tmp_path / "sales" / "year=2024" / "month=01") + "/"
    assert table["Parameters"]["objectCount"] == "3"
    assert table["Parameters"]["recordCount"] == "6"


def test_plain_folders_become_partition_n(tmp_path: Path) -> None:
    for a in ("x", "y"):
        for b in ("1", "2"):
            write(tmp_path / "root" / a / b / "f.csv", "k,v\n1,2\n3,4\n")
    result = crawl(tmp_path / "root")
    table = tables(result)["root"]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["partition_0", "partition_1"]
    assert set(parts(result, "root")) == {("x", "1"), ("x", "2"), ("y", "1"), ("y", "2")}


def test_sibling_folders_with_different_schemas_are_separate_tables(tmp_path: Path) -> None:
    write(
        tmp_path / "lake" / "orders" / "o.csv",
        "order_id,amount,day\n1,2.5,2024-01-01\n2,3,2024-01-02\n",
    )
    write(tmp_path / "lake" / "customers" / "c.csv", "customer,email,city\nann,a@x,p\nbob,b@x,q\n")
    got = tables(crawl(tmp_path / "lake", TablePrefix="raw_"))
    assert set(got) == {"raw_orders", "raw_customers"}
    assert got["raw_orders"]["StorageDescriptor"]["Location"].endswith("/lake/orders/")
    assert got["raw_orders"]["PartitionKeys"] == []


def test_glue_grouping_example_default_vs_combine(tmp_path: Path) -> None:
    # Glue's documented example: {A, B} under year=2017 and {C, D} under year=2018.
    write(tmp_path / "table1" / "year=2017" / "data1.json", '{"A": 1, "B": 2}\n')
    write(tmp_path / "table1" / "year=2018" / "data2.json", '{"C": 3, "D": 4}\n')
    default = tables(crawl(tmp_path / "table1"))
    assert set(default) == {"year_2017", "year_2018"}
    config = json.dumps(
        {"Version": 1.0, "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"}}
    )
    combined = tables(crawl(tmp_path / "table1", Configuration=config))
    assert set(combined) == {"table1"}
    assert list(cols(combined["table1"])) == ["A", "B", "C", "D"]
    assert combined["table1"]["PartitionKeys"] == [{"Name": "year", "Type": "string"}]


def test_similar_siblings_merge_with_union_of_columns(tmp_path: Path) -> None:
    write(tmp_path / "t" / "a" / "f.csv", "id,x,y\n1,2,3\n4,5,6\n")
    write(tmp_path / "t" / "b" / "f.csv", "id,x,y,z\n1,2,3,4\n5,6,7,8\n")
    got = tables(crawl(tmp_path / "t"))
    assert list(got) == ["t"]
    assert list(cols(got["t"])) == ["id", "x", "y", "z"]


def test_table_level_configuration(tmp_path: Path) -> None:
    for year, month in [("2023", "01"), ("2023", "02"), ("2024", "01")]:
        write(tmp_path / "ds" / year / month / "f.csv", "k,v\n1,2\n3,4\n")
    default = tables(crawl(tmp_path / "ds"))
    assert list(default) == ["ds"]
    assert len(default["ds"]["PartitionKeys"]) == 2
    config = json.dumps({"Grouping": {"TableLevelConfiguration": 2}})
    result = crawl(tmp_path / "ds", Configuration=config)
    leveled = tables(result)
    assert set(leveled) == {"2023", "2024"}
    assert leveled["2023"]["StorageDescriptor"]["Location"].endswith("/ds/2023/")
    assert set(parts(result, "2023")) == {("01",), ("02",)}


def test_table_threshold_fails_and_writes_nothing(tmp_path: Path) -> None:
    write(tmp_path / "l" / "a" / "f.csv", "a1,a2\n1,2\n3,4\n")
    write(tmp_path / "l" / "b" / "f.json", '{"x": 1}\n')
    write(tmp_path / "l" / "c" / "f.csv", "c1,c2,c3\n1,2,3\n4,5,6\n")
    config = json.dumps({"CrawlerOutput": {"Tables": {"TableThreshold": 2}}})
    result = crawl(tmp_path / "l", Configuration=config)
    assert result["State"] == "FAILED"
    assert "3" in result["ErrorMessage"] and "TableThreshold" in result["ErrorMessage"]
    assert result["Tables"] == [] and result["Partitions"] == []
    ok = crawl(
        tmp_path / "l",
        Configuration=json.dumps({"CrawlerOutput": {"Tables": {"TableThreshold": 3}}}),
    )
    assert len(tables(ok)) == 3


def test_inherit_from_table_gives_partitions_the_table_schema(tmp_path: Path) -> None:
    write(tmp_path / "t" / "k=1" / "f.csv", "a,b\n1,2\n3,4\n")
    write(tmp_path / "t" / "k=2" / "f.csv", "a,b,c\n1,2,3\n3,4,5\n")
    plain = crawl(tmp_path / "t")
    assert [c["Name"] for c in parts(plain, "t")[("1",)]["StorageDescriptor"]["Columns"]] == [
        "a",
        "b",
    ]
    config = json.dumps(
        {"CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}}}
    )
    inherited = crawl(tmp_path / "t", Configuration=config)
    columns = parts(inherited, "t")[("1",)]["StorageDescriptor"]["Columns"]
    assert [c["Name"] for c in columns] == ["a", "b", "c"]


# -- type merging -------------------------------------------------------------------------------
def test_type_merge_across_files_and_notes(tmp_path: Path) -> None:
    write(tmp_path / "m" / "1.csv", "id,v,w\n1,10,5\n2,20,6\n")
    write(tmp_path / "m" / "2.csv", "id,v,w\n3,2.5,abc\n4,3.5,def\n")
    result = crawl(tmp_path / "m")
    assert cols(tables(result)["m"]) == {"id": "bigint", "v": "double", "w": "string"}
    notes = {n["Column"]: n for n in result["Notes"]}
    assert notes["v"]["Irreconcilable"] is False and notes["v"]["TypesSeen"] == ["bigint", "double"]
    assert notes["w"]["Irreconcilable"] is True and notes["w"]["Type"] == "string"
    assert "irreconcilable" in notes["w"]["Message"]
    assert "id" not in notes


def test_merge_types_rules() -> None:
    assert merge_types("bigint", "double") == ("double", False)
    assert merge_types("int", "bigint") == ("bigint", False)
    assert merge_types("date", "timestamp") == ("timestamp", False)
    assert merge_types("bigint", "string") == ("string", True)
    assert merge_types(("array", "bigint"), ("array", "double")) == (("array", "double"), False)
    merged, bad = merge_types(("struct", (("a", "bigint"),)), ("struct", (("b", "string"),)))
    assert render_type(merged) == "struct<a:bigint,b:string>" and not bad
    assert merge_types(("struct", ()), "string") == ("string", True)
    assert merge_types(None, "date") == ("date", False)
    text = "array<struct<a:bigint,b:map<string,double>>>"
    assert render_type(parse_type(text)) == text


def test_header_only_file_does_not_turn_columns_into_strings(tmp_path: Path) -> None:
    write(tmp_path / "h" / "empty.csv", "id,v\n")
    write(tmp_path / "h" / "full.csv", "id,v\n1,2.5\n2,3.5\n")
    assert cols(tables(crawl(tmp_path / "h"))["h"]) == {"id": "bigint", "v": "double"}


# -- faults -------------------------------------------------------------------------------------
def test_corrupt_files_are_skipped_and_named(tmp_path: Path) -> None:
    write(tmp_path / "c" / "good.csv", "a,b\n1,2\n3,4\n")
    write(tmp_path / "c" / "bad.parquet", b"PAR1" + b"\x00garbage" * 10)
    write(tmp_path / "c" / "bad.csv.gz", b"\x1f\x8b" + b"not really gzip")
    write(tmp_path / "c" / "blob.bin", bytes(range(256)))
    result = crawl(tmp_path / "c")
    assert result["State"] == "SUCCEEDED"
    skipped = {Path(s["Path"]).name: s["Reason"] for s in result["SkippedFiles"]}
    assert set(skipped) == {"bad.parquet", "bad.csv.gz", "blob.bin"}
    assert "Parquet" in skipped["bad.parquet"]
    assert tables(result)["c"]["Parameters"]["objectCount"] == "1"


def test_missing_path_fails_naming_it(tmp_path: Path) -> None:
    write(tmp_path / "ok" / "f.csv", "a,b\n1,2\n3,4\n")
    missing = tmp_path / "nope"
    result = crawl(tmp_path / "ok", missing)
    assert result["State"] == "FAILED"
    assert str(missing) in result["ErrorMessage"]
    assert "does not exist" in result["ErrorMessage"]
    assert result["Tables"] == []


def test_only_unreadable_files_fails(tmp_path: Path) -> None:
    write(tmp_path / "x" / "blob.bin", bytes(range(256)))
    result = crawl(tmp_path / "x")
    assert result["State"] == "FAILED"
    assert "blob.bin" in result["ErrorMessage"]


def test_hidden_and_excluded_files(tmp_path: Path) -> None:
    write(tmp_path / "e" / "a.csv", "a,b\n1,2\n3,4\n")
    write(tmp_path / "e" / "_SUCCESS", "")
    write(tmp_path / "e" / ".a.csv.crc", "junk")
    write(tmp_path / "e" / "scratch.tmp", b"\x00\x01")
    write(tmp_path / "e" / "old" / "x.csv", "zz,yy\n1,2\n3,4\n")
    result = crawl({"Path": str(tmp_path / "e"), "Exclusions": ["**.tmp", "old/**"]})
    assert list(tables(result)) == ["e"]
    assert result["SkippedFiles"] == []
    assert result["Stats"]["FilesExcluded"] == 2
    assert result["Stats"]["FilesIgnored"] == 2


def test_glob_semantics() -> None:
    assert glob_to_regex("*.csv").match("a.csv")
    assert not glob_to_regex("*.csv").match("sub/a.csv")
    assert glob_to_regex("**.csv").match("sub/deeper/a.csv")
    assert glob_to_regex("dept/**").match("dept/x/y.json")
    assert glob_to_regex("{a,b}/*.json").match("b/z.json")
    assert not glob_to_regex("[!x]*.csv").match("x1.csv")


def test_sample_size_reads_only_n_files_per_folder(tmp_path: Path) -> None:
    for i in range(4):
        write(tmp_path / "s" / f"{i}.csv", "a,b\n1,2\n3,4\n")
    write(tmp_path / "s" / "9.csv", b"\x00corrupt but never read")
    result = crawl({"Path": str(tmp_path / "s"), "SampleSize": 2})
    table = tables(result)["s"]
    assert result["Stats"]["FilesRead"] == 2
    assert result["SkippedFiles"] == []
    assert table["Parameters"]["objectCount"] == "5"


def test_should_stop_cancels_between_files(tmp_path: Path) -> None:
    for i in range(40):
        write(tmp_path / "many" / f"{i}.csv", "a,b\n1,2\n3,4\n")
    calls: list[int] = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) >= 2

    result = crawl(tmp_path / "many", stop=stop)
    assert result["State"] == "CANCELLED"
    assert result["Tables"] == [] and result["Partitions"] == []
    assert len(calls) >= 2


def test_memory_filesystem_and_picklable_result() -> None:
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("/mem-test/t/k=1/a.csv", b"a,b\n1,2\n3,4\n")
    fs.pipe("/mem-test/t/k=2/a.csv", b"a,b\n5,6\n7,8\n")
    try:
        result = crawl("memory://mem-test/t")
        table = tables(result)["t"]
        assert table["StorageDescriptor"]["Location"] == "memory:///mem-test/t/"
        assert set(parts(result, "t")) == {("1",), ("2",)}
        assert pickle.loads(pickle.dumps(result)) == result
    finally:
        fs.rm("/mem-test", recursive=True)


# -- incremental and catalog snapshot ---------------------------------------------------------
def test_incremental_reads_only_new_folders(tmp_path: Path) -> None:
    root = tmp_path / "inc"
    write(root / "day=1" / "f.csv", "a,b\n1,2\n3,4\n")
    first = crawl(root, RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"})
    table = tables(first)["inc"]
    crawled = [f["Folder"] for f in first["CrawledFolders"]]
    assert first["Incremental"] is False  # no state yet: a full crawl
    # The old folder is now unreadable: an incremental crawl must not touch it.
    write(root / "day=1" / "f.csv", b"\x00broken")
    write(root / "day=2" / "f.csv", "a,b\n5,6\n7,8\n")
    write(root / "day=3" / "f.csv", "x,y,z,w\n1,2,3,4\n5,6,7,8\n")
    snapshot = {"Tables": [table], "CrawledFolders": crawled}
    second = crawl(
        root, catalog=snapshot, RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
    )
    assert second["State"] == "SUCCEEDED" and second["Incremental"] is True
    assert second["SkippedFiles"] == []
    assert second["Tables"] == []
    assert [p["Values"] for p in second["Partitions"]] == [["2"]]
    assert [Path(f["Path"]).name for f in second["SkippedFolders"]] == ["day=3"]
    assert "does not match" in second["SkippedFolders"][0]["Reason"]


def test_existing_table_name_is_kept_for_its_location(tmp_path: Path) -> None:
    write(tmp_path / "x" / "sales" / "f.csv", "a,b\n1,2\n3,4\n")
    location = str(tmp_path / "x" / "sales") + "/"
    snapshot = {
        "Tables": [
            {
                "DatabaseName": "db",
                "Name": "renamed",
                "StorageDescriptor": {"Location": location, "Columns": []},
                "PartitionKeys": [],
                "Parameters": {},
            }
        ]
    }
    assert set(tables(crawl(tmp_path / "x", catalog=snapshot))) == {"renamed"}


def test_catalog_target_spec(tmp_path: Path) -> None:
    write(tmp_path / "ct" / "p=1" / "f.csv", "a,b\n1,2\n3,4\n")
    spec = {
        "Crawler": {
            "Name": "c",
            "Targets": {"CatalogTargets": [{"DatabaseName": "db", "Tables": ["t"]}]},
        },
        "Catalog": {
            "CatalogTargets": [
                {"DatabaseName": "db", "TableName": "t", "Location": str(tmp_path / "ct")}
            ]
        },
    }
    result = execute_crawl(spec)
    assert [(t["DatabaseName"], t["Name"]) for t in result["Tables"]] == [("db", "t")]
    missing = execute_crawl(
        {
            **spec,
            "Catalog": {
                "CatalogTargets": [{"DatabaseName": "db", "TableName": "t", "Location": None}]
            },
        }
    )
    assert missing["State"] == "FAILED" and "db.t" in missing["ErrorMessage"]


# -- configuration ------------------------------------------------------------------------------
def test_parse_configuration_rejects_bad_input() -> None:
    assert parse_configuration(None) == {}
    with pytest.raises(InvalidInputException, match="not valid JSON"):
        parse_configuration("{nope", "c")
    with pytest.raises(InvalidInputException, match="unsupported keys: UpdateBehavior"):
        parse_configuration('{"CrawlerOutput": {"Partitions": {"UpdateBehavior": "x"}}}', "c")
    with pytest.raises(InvalidInputException, match="TableThreshold"):
        parse_configuration('{"CrawlerOutput": {"Tables": {"TableThreshold": 0}}}', "c")
    with pytest.raises(InvalidInputException, match="TableGroupingPolicy"):
        parse_configuration('{"Grouping": {"TableGroupingPolicy": "Other"}}', "c")


def test_glue_partition_example_and_lone_plain_folder(tmp_path: Path) -> None:
    # Glue's example: sales/year=2019/month=Jan|Feb/day=1|2 → one table, keys year, month, day.
    for month in ("Jan", "Feb"):
        for day in ("1", "2"):
            write(
                tmp_path / "sales" / "year=2019" / f"month={month}" / f"day={day}" / "f.json",
                '{"a": 1}\n',
            )
    result = crawl(tmp_path / "sales")
    table = tables(result)["sales"]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["year", "month", "day"]
    assert len(result["Partitions"]) == 4
    # A lone plain folder under the include path is its own table, not partition_0.
    write(tmp_path / "lake" / "orders" / "o.csv", "a,b\n1,2\n3,4\n")
    lone = tables(crawl(tmp_path / "lake"))
    assert list(lone) == ["orders"] and lone["orders"]["PartitionKeys"] == []


def test_threaded_classification_and_prompt_cancel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import glue_nb.crawl.execute as crawler_module

    monkeypatch.setattr(crawler_module, "LOCAL_THREADS", 2)
    monkeypatch.setattr(crawler_module, "STOP_POLL_SECONDS", 0.0)
    for i in range(300):
        write(tmp_path / "t" / f"k={i % 3}" / f"{i}.csv", "a,b\n1,2\n3,4\n")
    result = crawl(tmp_path / "t")
    assert result["Stats"]["FilesRead"] == 300 and len(result["Partitions"]) == 3
    calls: list[int] = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) >= 10

    cancelled = crawl(tmp_path / "t", stop=stop)
    assert cancelled["State"] == "CANCELLED" and cancelled["Tables"] == []
    assert len(calls) < 100  # the workers stopped soon, not after all 300 files


def test_single_file_target(tmp_path: Path) -> None:
    path = write(tmp_path / "exports" / "Customers-2024.csv", "id,name\n1,a\n2,b\n")
    table = tables(crawl(path))["customers_2024"]
    assert table["StorageDescriptor"]["Location"] == str(path)
    assert table["Parameters"]["objectCount"] == "1"
