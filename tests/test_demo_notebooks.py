"""The month-close demo's job notebooks, run for real with papermill on the shipped extract.

Each notebook runs in the jobs folder (as glue-nb runs it) with ``GLUE_NB_JOB_CONTEXT`` set in the
kernel's environment, so its ``runtime.put_run_properties`` calls land in an updates file the test
reads back, just as the engine would merge them into the workflow run.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from glue_nb.runtime import CONTEXT_ENV

ROOT = Path(__file__).resolve().parents[1]
JOBS = ROOT / "notebooks" / "jobs"
RAW = ROOT / "notebooks" / "data" / "raw" / "customers.csv"
PERIOD = "2026-11"  # not the notebooks' default, so the parameter is seen to take effect
NOTEBOOKS = ("dedupe.ipynb", "fix_phones.ipynb", "report.ipynb")
E164 = re.compile(r"^\+\d{8,15}$")

# showcase rows of make_customers.py: customer_id -> E.164 ("" = cannot be read)
EXPECTED_PHONES = {
    "C0001": "+12125550101",  # (212) 555-0101
    "C0002": "+14155550102",  # 415.555.0102
    "C0003": "+13125550103",  # +1 312 555 0103
    "C0004": "+16175550104",  # 001-617-555-0104
    "C0005": "+12065550105",  # 2065550105 ext 12
    "C0006": "+15125550106",  # 1-512-555-0106
    "C0007": "+442079460960",  # 011 44 20 7946 0960 (US customer, London number)
    "C0008": "",  # blank
    "C0009": "",  # n/a
    "C0010": "",  # 555-0110: too few digits
    "C0011": "+442079460958",  # +44 20 7946 0958
    "C0012": "+442079460959",  # 020 7946 0959
    "C0013": "+441614960001",  # +44 (0)161 496 0001
    "C0014": "+441134960002",  # 0113 496 0002 (Leeds, not an 011 prefix)
    "C0015": "+447700900123",  # 07700 900123
    "C0016": "+447700900124",  # 0044 7700 900124
    "C0017": "+493012345678",  # +49 30 12345678
    "C0018": "+493012345679",  # 030 1234 5679
    "C0019": "+33123456789",  # 01 23 45 67 89
    "C0020": "+33612345678",  # +33 6 12 34 56 78
    "C0021": "+13035550121",  # (303) 555-0121, no country: the default region US
    "C0022": "+16045550122",  # 604-555-0122 (CA)
    "C0023": "",  # call after 5pm
    "C0024": "+15551234567",  # (555) 123-4567 x89
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def partition(out: Path, table: str, name: str) -> Path:
    return out / table / f"period={PERIOD}" / name


def run_job(
    notebook: str,
    out: Path,
    work: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_properties: dict[str, str] | None = None,
    in_workflow: bool = True,
) -> dict[str, str]:
    """Run one job notebook as glue-nb would; return the run properties it recorded."""
    import papermill as pm

    job = Path(notebook).stem
    updates = work / f"{job}.updates.json"
    names: dict[str, Any] = {}
    if in_workflow:
        names = {
            "WORKFLOW_NAME": "month-close",
            "WORKFLOW_RUN_ID": "wr_test",
            "JOB_NAME": job,
            "JOB_RUN_ID": f"jr_{job}",
        }
        context = {
            "workflow_name": "month-close",
            "workflow_run_id": "wr_test",
            "job_name": job,
            "job_run_id": f"jr_{job}",
            "run_properties": run_properties or {},
            "updates_path": str(updates),
        }
        monkeypatch.setenv(CONTEXT_ENV, json.dumps(context))  # inherited by the kernel
    else:
        monkeypatch.delenv(CONTEXT_ENV, raising=False)
    pm.execute_notebook(
        str(JOBS / notebook),
        str(work / f"{job}.out.ipynb"),
        parameters={"output_dir": str(out), "period": PERIOD, **names},
        cwd=str(JOBS),
        kernel_name="python3",
        progress_bar=False,
    )
    return json.loads(updates.read_text(encoding="utf-8")) if updates.exists() else {}


@pytest.fixture(scope="module")
def month_close(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """De-duplicate and Fix phone numbers, then the report with their merged properties."""
    out, work = tmp_path_factory.mktemp("clean"), tmp_path_factory.mktemp("work")
    with pytest.MonkeyPatch.context() as mp:
        dedupe = run_job("dedupe.ipynb", out, work, mp)
        phones = run_job("fix_phones.ipynb", out, work, mp)
        merged = {"period": PERIOD, **dedupe, **phones}
        report = run_job("report.ipynb", out, work, mp, run_properties=merged)
        yield {"out": out, "dedupe": dedupe, "phones": phones, "report": report}


def test_notebooks_are_valid_and_shipped_clean() -> None:
    for name in NOTEBOOKS:
        nb = nbformat.read(JOBS / name, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata.kernelspec == {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
        params = nb.cells[1]
        assert params.cell_type == "code" and "parameters" in params.metadata.get("tags", [])
        for injected in ("WORKFLOW_NAME", "WORKFLOW_RUN_ID", "JOB_NAME", "JOB_RUN_ID"):
            assert f"{injected} = None" in params.source
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, name


def test_phone_parser_edge_cases() -> None:
    """The notebook's parser cell, executed on its own (it needs only ``re``)."""
    nb = nbformat.read(JOBS / "fix_phones.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if "phone-parser" in c.metadata.get("tags", [])]
    namespace: dict[str, Any] = {"re": re}
    exec(cell.source, namespace)
    to_e164 = namespace["to_e164"]
    cases = [
        ("(555) 123-4567", "US", "+15551234567"),
        ("555.123.4567", "US", "+15551234567"),
        ("+1 555 123 4567", "US", "+15551234567"),
        ("001-555-123-4567", "US", "+15551234567"),
        ("5551234567 ext 12", "US", "+15551234567"),
        ("555-123-4567 #3", "CA", "+15551234567"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("20 7946 0958", "GB", "+442079460958"),  # trunk 0 left out
        ("0113 496 0002", "GB", "+441134960002"),
        ("011 44 113 496 0002", "US", "+441134960002"),
        ("(089) 1234567", "DE", "+49891234567"),
        ("06.12.34.56.78", "FR", "+33612345678"),
        ("+353 1 234 5678", "US", "+35312345678"),  # other country codes: E.164 length only
        ("020 7946 0958", "ES", ""),  # national number of a region we cannot read
        ("+1 055 123 4567", "US", ""),  # NANP area codes start 2-9
        ("0000", "DE", ""),
        ("12345", "US", ""),
        ("n/a", "US", ""),
        ("", "GB", ""),
        ("   ", "US", ""),
        ("-", "US", ""),
    ]
    assert [(raw, region, to_e164(raw, region)) for raw, region, _ in cases] == cases


@pytest.mark.kernel
def test_dedupe(month_close: dict[str, Any]) -> None:
    raw = read_csv(RAW)
    out = read_csv(partition(month_close["out"], "customers", "customers.csv"))
    emails = [row["email"] for row in out]
    assert len(out) < len(raw)
    assert len(set(emails)) == len(emails)
    assert all(email == email.strip().lower() for email in emails)
    assert {row["customer_id"] for row in out} <= {row["customer_id"] for row in raw}
    # every person is kept once, with their earliest signup
    earliest: dict[str, tuple[str, str]] = {}
    for row in raw:
        key, seen = row["email"].strip().lower(), (row["signup_date"], row["customer_id"])
        earliest[key] = min(earliest.get(key, seen), seen)
    assert {row["email"]: (row["signup_date"], row["customer_id"]) for row in out} == earliest
    # the shipped extract: 360 people, 40 re-entries
    assert month_close["dedupe"] == {
        "dedupe_rows_in": "400",
        "dedupe_rows_out": "360",
        "dedupe_duplicates_removed": "40",
    }
    assert (len(raw), len(out)) == (400, 360)


@pytest.mark.kernel
def test_fix_phones(month_close: dict[str, Any]) -> None:
    raw = read_csv(RAW)
    phones = read_csv(partition(month_close["out"], "phones", "phones.csv"))
    assert list(phones[0]) == ["customer_id", "phone_raw", "phone_e164", "phone_valid"]
    assert [(p["customer_id"], p["phone_raw"]) for p in phones] == [
        (r["customer_id"], r["phone"]) for r in raw
    ]
    valid = [p for p in phones if p["phone_valid"] == "True"]
    invalid = [p for p in phones if p["phone_valid"] == "False"]
    assert len(valid) + len(invalid) == len(phones)
    assert all(E164.match(p["phone_e164"]) for p in valid)
    assert all(p["phone_e164"] == "" for p in invalid)
    assert len(valid) > 0.85 * len(phones)
    by_id = {p["customer_id"]: p["phone_e164"] for p in phones}
    assert {cid: by_id[cid] for cid in EXPECTED_PHONES} == EXPECTED_PHONES
    assert month_close["phones"] == {
        "phones_fixed": str(len(valid)),
        "phones_invalid": str(len(invalid)),
    }
    assert (len(valid), len(invalid)) == (354, 46)


@pytest.mark.kernel
def test_report(month_close: dict[str, Any]) -> None:
    summary = read_csv(partition(month_close["out"], "report", "summary.csv"))
    assert month_close["report"] == {"report_rows": str(len(summary))}
    by_country = {row["country"]: row for row in summary}
    assert {"US", "GB", "DE", "FR", "total"} <= set(by_country)
    total = by_country.pop("total")
    assert int(total["customers"]) == 360
    assert sum(int(row["customers"]) for row in by_country.values()) == 360
    assert sum(int(row["valid_phones"]) for row in by_country.values()) == int(
        total["valid_phones"]
    )


@pytest.mark.kernel
def test_report_standalone_computes_from_files(
    month_close: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a workflow (no context, no properties) the report gives the same summary."""
    out = tmp_path / "clean"
    for table in ("customers", "phones"):
        shutil.copytree(month_close["out"] / table, out / table)
    assert run_job("report.ipynb", out, tmp_path, monkeypatch, in_workflow=False) == {}
    with_properties = partition(month_close["out"], "report", "summary.csv")
    standalone = partition(out, "report", "summary.csv")
    assert standalone.read_text(encoding="utf-8") == with_properties.read_text(encoding="utf-8")


@pytest.mark.kernel
def test_report_reads_run_properties(
    month_close: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Properties that disagree with the files fail the report: it does read them."""
    import papermill as pm

    stale = {**month_close["dedupe"], **month_close["phones"], "dedupe_rows_out": "1"}
    with pytest.raises(pm.PapermillExecutionError, match="disagree"):
        run_job("report.ipynb", month_close["out"], tmp_path, monkeypatch, run_properties=stale)


@pytest.mark.kernel
def test_the_run_property_period_chooses_the_month(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`glue-nb run month-close -p period=2026-12` closes December: the workflow run's "period"
    property wins over the notebooks' parameter (which stays the default without a run)."""
    out = tmp_path / "clean"
    run_job("dedupe.ipynb", out, tmp_path, monkeypatch, run_properties={"period": "2026-12"})
    run_job("fix_phones.ipynb", out, tmp_path, monkeypatch, run_properties={"period": "2026-12"})
    assert sorted(p.name for p in (out / "customers").iterdir()) == ["period=2026-12"]
    assert sorted(p.name for p in (out / "phones").iterdir()) == ["period=2026-12"]
