"""Static views: the design graph (fluent and stored), rendering, the run template, node states.

No kernels here: runs are Glue-shaped dicts built in the test.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import nbformat
import pytest

import glue_nb as gn
from glue_nb.exceptions import InvalidInputException
from glue_nb.ids import node_id
from glue_nb.views import layout, static
from glue_nb.views.layout import GraphvizNotFound, Slot, SvgTemplate, _nodes, choose_rankdir
from glue_nb.views.states import node_states, slots
from glue_nb.views.style import CATEGORIES, KIND


def needs_dot(fn: Any) -> Any:
    """Marks a test that runs graphviz's ``dot`` (skipped without it)."""
    skip = pytest.mark.skipif(not layout.dot_available(), reason="graphviz dot not installed")
    return pytest.mark.graphviz(skip(fn))


@pytest.fixture
def notebook(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
    path = tmp_path / "job.ipynb"
    nbformat.write(nb, str(path))
    return path


def month_close(notebook: Path, home: Path | None = None) -> gn.Workflow:
    d = gn.NotebookJob("De-duplicate", notebook)
    p = gn.NotebookJob("Fix phone numbers", notebook, parameters={"country": "US"})
    r = gn.NotebookJob("Month-close report", notebook)
    c = gn.Crawler("Catalog clean", [str(notebook.parent)], database="clean")
    return (
        gn.Workflow("month-close", home=home)
        .on_schedule("Month-close1", "cron(0 6 1 * ? *)")
        .run(d, p)
        .when_all_succeeded("Fix/De-dupe succeeded")
        .run(r)
        .after(d, p)
        .when_any_failed("On failure")
        .run(c)
    )


def shape_fill(svg: str, uid: str) -> str:
    """The fill of a node's shape in rendered SVG."""
    group = re.search(rf'<g id="{uid}" class="node[^"]*"[^>]*>(.*?)</g>', svg, re.S)
    assert group, f"node {uid} missing"
    return re.search(r'<(?:polygon|path|ellipse) fill="([^"]+)"', group[1])[1]


@needs_dot
def test_fluent_workflow_mimebundle(notebook: Path) -> None:
    wf = month_close(notebook)
    bundle = wf._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/plain"}
    svg = bundle["image/svg+xml"]
    ET.fromstring(svg)  # well-formed
    for kind, name in [
        ("TRIGGER", "Month-close1"),
        ("JOB", "De-duplicate"),
        ("CRAWLER", "Catalog clean"),
        ("TRIGGER", "On failure"),
    ]:
        uid = node_id("month-close", kind, name)
        assert shape_fill(svg, uid) == KIND[kind].fill
    assert "cron(0 6 1 * ? *)" in svg and "all of 2" in svg and "any of 2" in svg
    assert ">succeeded<" in svg and ">failed<" in svg  # watched states on edges
    assert "notebook job" in svg and "crawler" in svg  # legend
    assert "job.ipynb" in svg and "→ clean" in svg  # detail lines
    text = bundle["text/plain"]
    assert "Month-close1 [schedule cron(0 6 1 * ? *)]" in text
    assert "-> crawler Catalog clean" in text
    only = static.workflow_mimebundle(wf, include={"text/plain"})
    assert set(only) == {"text/plain"}


@needs_dot
def test_stored_workflow_matches_fluent(notebook: Path, tmp_path: Path) -> None:
    wf = month_close(notebook, home=tmp_path / "home").deploy()
    client = wf.client()
    stored = static.stored_view(client, "month-close")
    fluent = static.workflow_view(wf)
    ids = lambda g: sorted(n["UniqueId"] for n in g["Nodes"])  # noqa: E731
    assert ids(stored.graph) == ids(fluent.graph)
    svg = stored.svg()
    assert "job.ipynb" in svg and "(inactive)" not in svg.split("Month-close1")[1][:200]
    response = client.get_workflow(Name="month-close", IncludeGraph=True)
    for obj in (response, response["Workflow"], response["Workflow"]["Graph"], "month-close"):
        assert ids(static.draw(obj, client=client).graph) == ids(fluent.graph)
    assert static.draw(wf, rankdir="TB").source.count("rankdir=TB") == 1
    with pytest.raises(InvalidInputException, match="cannot draw"):
        static.draw(42)
    out = static.render_stored(client, "month-close", tmp_path / "wf.svg")
    assert Path(out).read_text().startswith("<?xml")


@needs_dot
def test_render_formats(notebook: Path, tmp_path: Path) -> None:
    wf = month_close(notebook)
    assert Path(wf.render(tmp_path / "a.png")).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "digraph" in Path(wf.render(tmp_path / "a.dot")).read_text()
    assert Path(wf.render(tmp_path / "b", format="svg")).suffix == ".svg"
    with pytest.raises(InvalidInputException, match="svg, png, dot"):
        wf.render(tmp_path / "a.pdf")


def test_without_dot(notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout.shutil, "which", lambda _: None)
    layout._svg.cache_clear()
    wf = month_close(notebook)
    bundle = wf._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    for mime in ("text/html", "text/plain"):
        assert "apt-get install graphviz" in bundle[mime]
        assert "conda install graphviz" in bundle[mime] and "brew install graphviz" in bundle[mime]
        assert "De-duplicate" in bundle[mime]  # the outline still shows
    with pytest.raises(GraphvizNotFound, match="brew install graphviz"):
        wf.render(tmp_path / "x.svg")
    assert "digraph" in Path(wf.render(tmp_path / "x.dot")).read_text()  # needs no binary
    layout._svg.cache_clear()


def test_trigger_details_and_rankdir() -> None:
    detail = layout.trigger_detail
    assert (
        detail({"Type": "SCHEDULED", "Schedule": "cron(0 6 * * ? *)"})
        == "schedule cron(0 6 * * ? *)"
    )
    assert detail({"Type": "SCHEDULED", "Schedule": "cron(1)", "State": "DEACTIVATED"}).endswith(
        "(inactive)"
    )
    assert detail({"Type": "ON_DEMAND"}) == "on demand"
    assert detail(
        {"Type": "EVENT", "EventBatchingCondition": {"BatchSize": 5, "BatchWindow": 60}}
    ) == ("event · batch 5 / 60 s")
    cond = {
        "Type": "CONDITIONAL",
        "State": "ACTIVATED",
        "Predicate": {"Logical": "ANY", "Conditions": [{}, {}, {}]},
    }
    assert detail(cond) == "any of 3"
    chain = {
        "Nodes": [{"Type": "JOB", "Name": f"j{i}", "UniqueId": f"u{i}"} for i in range(30)],
        "Edges": [{"SourceId": f"u{i}", "DestinationId": f"u{i + 1}"} for i in range(29)],
    }
    fan = {
        "Nodes": chain["Nodes"],
        "Edges": [{"SourceId": "u0", "DestinationId": f"u{i}"} for i in range(1, 30)],
    }
    edges = lambda g: [(e["SourceId"], e["DestinationId"]) for e in g["Edges"]]  # noqa: E731
    assert choose_rankdir(_nodes(chain), edges(chain)) == "TB"
    assert choose_rankdir(_nodes(fan), edges(fan)) == "LR"
    with pytest.raises(ValueError, match="rankdir"):
        layout.dot_source(chain, rankdir="XY")


# -- runs ------------------------------------------------------------------------------------------
T0 = datetime(2026, 10, 1, 6, 0, tzinfo=timezone.utc)


def trig(
    name: str, kind: str = "CONDITIONAL", logical: str = "AND", watch: list[tuple[str, str]] = ()
) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": name, "Type": kind, "State": "ACTIVATED"}
    if kind == "CONDITIONAL":
        out["Predicate"] = {
            "Logical": logical,
            "Conditions": [
                {"LogicalOperator": "EQUALS", "JobName": j, "State": s} for j, s in watch
            ],
        }
    return out


def job_run(name: str, state: str, start: int, end: int | None, attempt: int = 0) -> dict[str, Any]:
    return {
        "Id": f"jr_{name}_{attempt}",
        "Attempt": attempt,
        "JobName": name,
        "JobRunState": state,
        "StartedOn": T0 + timedelta(seconds=start),
        "CompletedOn": None if end is None else T0 + timedelta(seconds=end),
        "TriggerName": "start",
        "ErrorMessage": "ValueError: x" if state == "FAILED" else None,
    }


def make_run(status: str, runs: dict[str, list[dict[str, Any]]], fired: set[str]) -> dict[str, Any]:
    """start -> a, b; all(a, b succeeded) -> c; any(a failed, b failed) -> d; all(c) -> e."""
    triggers = [
        (trig("start", "ON_DEMAND"), ["a", "b"]),
        (trig("all-ok", watch=[("a", "SUCCEEDED"), ("b", "SUCCEEDED")]), ["c"]),
        (trig("any-failed", "CONDITIONAL", "ANY", [("a", "FAILED"), ("b", "FAILED")]), ["d"]),
        (trig("after-c", watch=[("c", "SUCCEEDED")]), ["e"]),
    ]
    nodes, edges = [], []
    uid = lambda kind, name: node_id("wf", kind, name)  # noqa: E731
    for t, actions in triggers:
        nodes.append(
            {
                "Type": "TRIGGER",
                "Name": t["Name"],
                "UniqueId": uid("TRIGGER", t["Name"]),
                "TriggerDetails": {"Trigger": t, "Fired": t["Name"] in fired},
            }
        )
        for cond in (t.get("Predicate") or {}).get("Conditions", []):
            edges.append(
                {
                    "SourceId": uid("JOB", cond["JobName"]),
                    "DestinationId": uid("TRIGGER", t["Name"]),
                }
            )
        for a in actions:
            edges.append({"SourceId": uid("TRIGGER", t["Name"]), "DestinationId": uid("JOB", a)})
    for name in "abcde":
        details = {"JobRuns": runs[name]} if name in runs else {}
        nodes.append(
            {"Type": "JOB", "Name": name, "UniqueId": uid("JOB", name), "JobDetails": details}
        )
    return {
        "Name": "wf",
        "WorkflowRunId": "wr_" + "0" * 64,
        "Status": status,
        "StartedOn": T0,
        "Statistics": {"TotalActions": 5, "SucceededActions": 1, "FailedActions": 1},
        "Graph": {"Nodes": nodes, "Edges": edges},
    }


def categories(run: dict[str, Any]) -> dict[str, str]:
    return {s.name: s.category for s in node_states(run).values()}


def test_will_never_fire_while_running() -> None:
    run = make_run(
        "RUNNING",
        {"a": [job_run("a", "FAILED", 0, 5)], "b": [job_run("b", "RUNNING", 0, None)]},
        {"start"},
    )
    cats = categories(run)
    assert cats["a"] == "failed" and cats["b"] == "running"
    assert cats["all-ok"] == "never" and cats["c"] == "never"  # a FAILED: ALL can't hold
    assert cats["after-c"] == "never" and cats["e"] == "never"  # ...and downstream
    assert cats["any-failed"] == "pending" and cats["d"] == "pending"  # b may still fail
    assert cats["start"] == "fired"


def test_will_never_fire_after_the_run() -> None:
    run = make_run(
        "COMPLETED",
        {
            "a": [job_run("a", "SUCCEEDED", 0, 5)],
            "b": [job_run("b", "FAILED", 0, 4), job_run("b", "FAILED", 4, 6, 1)],
            "d": [job_run("d", "SUCCEEDED", 7, 9)],
        },
        {"start", "any-failed"},
    )
    cats = categories(run)
    assert cats == {
        "start": "fired",
        "all-ok": "never",
        "any-failed": "fired",
        "after-c": "never",
        "a": "succeeded",
        "b": "failed",
        "c": "never",
        "d": "succeeded",
        "e": "never",
    }
    s = slots(run)
    b = s[node_id("wf", "JOB", "b")]
    assert b.status.startswith("failed · 2.0 s · 2 tries") and b.state == "FAILED"
    assert s[node_id("wf", "JOB", "c")].status == "did not run"
    assert "ValueError" in b.tooltip


@needs_dot
def test_run_template_recolours_without_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    run = make_run(
        "RUNNING",
        {"a": [job_run("a", "SUCCEEDED", 0, 5)], "b": [job_run("b", "RUNNING", 0, None)]},
        {"start"},
    )
    template = SvgTemplate(run["Graph"], name="wf")
    calls = []
    monkeypatch.setattr(layout, "_run_dot", lambda *a: calls.append(a))  # no more layouts
    svg = template.render(slots(run))
    ET.fromstring(svg)
    a, b, c = (node_id("wf", "JOB", n) for n in "abc")
    assert shape_fill(svg, a) == CATEGORIES["succeeded"].fill
    assert shape_fill(svg, b) == CATEGORIES["running"].fill
    assert 'class="node gnb-job gnb-succeeded" data-state="SUCCEEDED"' in svg
    assert "succeeded · 5.0 s" in svg
    later = template.render({a: Slot("failed", "failed", "tip", "FAILED")})
    assert shape_fill(later, a) == CATEGORIES["failed"].fill
    assert shape_fill(later, c) == CATEGORIES["pending"].fill
    assert "stroke-dasharray" in template.render({c: Slot("never", "did not run")})
    assert not calls


@needs_dot
def test_large_workflow_renders(notebook: Path) -> None:
    wf = gn.Workflow("big")
    for stage in range(20):  # 20 triggers + 80 jobs = 100 nodes
        jobs = [gn.NotebookJob(f"s{stage} job {i}", notebook) for i in range(4)]
        if stage:
            wf.when_all_succeeded(f"stage {stage}")
        wf.run(*jobs)
    view = static.workflow_view(wf)
    assert "rankdir=TB" in view.source  # long chains go top-down
    svg = view.svg()
    assert svg.count('class="node"') == 100


# -- names, compact chains, selection --------------------------------------------------------------
def node_lines(svg: str, uid: str) -> list[str]:
    """The text lines drawn in a node (name lines first)."""
    group = re.search(rf'<g id="{uid}" class="node[^"]*"[^>]*>(.*?)</g>', svg, re.S)
    assert group, f"node {uid} missing"
    return re.findall(r"<text[^>]*>([^<]*)</text>", group[1])


def test_names_wrap_at_word_boundaries() -> None:
    wrap = layout._wrap
    assert wrap("customers-to-parquet_convert") == ["customers-to-", "parquet_convert"]
    assert wrap("customers-to-parquet: on demand") == ["customers-to-parquet:", "on demand"]
    assert wrap("load_customer_addresses_normalized") == ["load_customer_", "addresses_normalized"]
    assert wrap("Fix phone numbers") == ["Fix phone numbers"]
    assert wrap("customersToParquetConverter") == ["customersTo", "ParquetConverter"]
    assert wrap("x" * 40) == ["x" * 40]  # no place to break: never between two letters
    long = "month close: " + " ".join(f"step{i}" for i in range(30))
    lines = wrap(long)
    assert len(lines) == 3 and lines[-1].endswith("…") and lines[-1][-2].isdigit()
    for name in ("customers-to-parquet_convert", "a_very_long-name_with-many_parts_in_it"):
        for line in wrap(name, width=12):  # every line ends at a boundary or the name's end
            text = line.removesuffix("…")
            after = name[name.index(text) + len(text) :]
            assert text[-1] in "_-" or after[:1] in ("", "_", "-"), line


@needs_dot
def test_blueprint_names_are_not_broken_mid_word(notebook: Path) -> None:
    convert = gn.NotebookJob("customers-to-parquet_convert", notebook)
    crawl = gn.Crawler("customers-to-parquet_crawl", [str(notebook.parent)], database="lake")
    wf = (
        gn.Workflow("customers-to-parquet")
        .on_demand("customers-to-parquet: on demand")
        .run(convert)
        .when_all_succeeded("customers-to-parquet_converted")
        .run(crawl)
    )
    svg = wf._repr_mimebundle_()["image/svg+xml"]
    job = node_lines(svg, node_id("customers-to-parquet", "JOB", "customers-to-parquet_convert"))
    assert job[:2] == ["customers&#45;to&#45;", "parquet_convert"]
    start = node_id("customers-to-parquet", "TRIGGER", "customers-to-parquet: on demand")
    assert node_lines(svg, start)[:2] == ["customers&#45;to&#45;parquet:", "on demand"]
    run_svg = SvgTemplate(static.workflow_graph(wf), name="x").render({})
    uid = node_id("customers-to-parquet", "JOB", "customers-to-parquet_convert")
    assert node_lines(run_svg, uid)[:2] == ["customers&#45;to&#45;", "parquet_convert"]


def svg_size(svg: str) -> tuple[float, float]:
    m = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert m
    return float(m[1]), float(m[2])


def node_width(svg: str, uid: str) -> float:
    """A node shape's width in points."""
    group = re.search(rf'<g id="{uid}" class="node[^"]*"[^>]*>(.*?)</g>', svg, re.S)
    assert group
    coords = re.search(r'(?:points| d)="([^"]+)"', group[1])
    assert coords
    xs = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", coords[1])[0::2]]
    return max(xs) - min(xs)


@needs_dot
def test_a_chain_is_drawn_compactly(notebook: Path) -> None:
    jobs = [gn.NotebookJob(n, notebook) for n in ("extract", "transform", "load")]
    wf = (
        gn.Workflow("my-etl")
        .run(jobs[0])
        .when_all_succeeded()
        .run(jobs[1])
        .when_all_succeeded()
        .run(jobs[2])
    )
    view = static.workflow_view(wf)
    svg = view.svg()
    width, height = svg_size(svg)
    assert height < 160 and width < 760  # one row under the legend, fits a notebook
    marker = node_id("my-etl", "TRIGGER", "my-etl: extract SUCCEEDED")
    job = node_id("my-etl", "JOB", "transform")
    assert node_width(svg, marker) < 0.4 * node_width(svg, job)  # triggers are small markers
    assert "my-etl: extract SUCCEEDED" in svg  # the trigger's name is in its tooltip
    full = static.workflow_view(wf, compact=False).svg()
    assert node_width(full, marker) > node_width(full, job)  # the full-size drawing remains
    # the run view: markers take their state's colour, no status line
    template = SvgTemplate(view.graph, name="my-etl")
    rendered = template.render({marker: Slot("fired", "fired", "tip", "FIRED", "TRIGGER")})
    assert shape_fill(rendered, marker) == CATEGORIES["fired"].fill
    assert node_lines(rendered, marker) == []
    assert svg_size(rendered)[1] < 160


@needs_dot
def test_fan_in_marker_keeps_its_logic(notebook: Path) -> None:
    wf = month_close(notebook)
    svg = wf._repr_mimebundle_()["image/svg+xml"]
    uid = node_id("month-close", "TRIGGER", "Fix/De-dupe succeeded")
    assert node_lines(svg, uid) == ["all of 2"]
    assert "Fix/De-dupe succeeded" in svg  # tooltip
