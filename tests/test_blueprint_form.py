"""The blueprint form: widgets from the parameter spec, messages, preview, create (no browser)."""

from __future__ import annotations

import json
from pathlib import Path

import ipywidgets as w
import pytest

import glue_nb.blueprint
from glue_nb.blueprint.form import BlueprintForm, outline, requests_to_workflow
from glue_nb.client import GlueClient

LAYOUT = """\
import glue_nb

def generate_layout(user_params, system_params):
    if user_params["Fail"]:
        raise ValueError("asked to fail")
    name = user_params["Name"]
    wf = glue_nb.Workflow(name, default_run_properties={"mode": user_params["Mode"]})
    paths = user_params["Paths"]
    crawlers = [glue_nb.Crawler(f"{name}_{i}", [p], "db") for i, p in enumerate(paths)]
    wf.run(crawlers[0])
    for c in crawlers[1:]:
        wf.when_all_succeeded().run(c)
    return wf
"""
SPEC = {
    "Name": {"type": "String", "description": "Workflow name."},
    "Paths": {"type": "S3Uri", "collection": True, "description": "Folders."},
    "Workers": {"type": "Integer", "defaultValue": 2},
    "Ratio": {"type": "Double"},
    "Fail": {"type": "Boolean", "defaultValue": False},
    "Mode": {"type": "String", "allowedValues": ["fast", "safe"], "defaultValue": "safe"},
    "Role": {"type": "IAMRoleName", "defaultValue": "unused"},
}


@pytest.fixture
def form(client: GlueClient, tmp_path: Path) -> BlueprintForm:
    folder = tmp_path / "formbp"
    folder.mkdir()
    cfg = {"layoutGenerator": "formbp.layout.generate_layout", "parameterSpec": SPEC}
    (folder / "blueprint.cfg").write_text(json.dumps(cfg))
    (folder / "layout.py").write_text(LAYOUT)
    return glue_nb.blueprint.open_form(folder, client=client)


def test_widgets_follow_the_spec(form: BlueprintForm, client: GlueClient) -> None:
    assert form.blueprint == "formbp"
    assert client.list_blueprints()["Blueprints"] == ["formbp"]
    editors = {name: f.editor for name, f in form.fields.items()}
    assert isinstance(editors["Name"].widget, w.Text)
    assert isinstance(editors["Workers"].widget, w.IntText) and editors["Workers"].widget.value == 2
    assert isinstance(editors["Ratio"].widget, w.FloatText)
    assert isinstance(editors["Fail"].widget, w.Checkbox) and editors["Fail"].widget.value is False
    mode = editors["Mode"].widget
    assert isinstance(mode, w.Dropdown) and mode.value == "safe"
    assert [o for o in mode.options if o[1] is not None] == [("fast", "fast"), ("safe", "safe")]
    paths = editors["Paths"]
    assert len(paths.items) == 1 and paths.add_button in paths.widget.children  # one empty row
    assert "Folders." in form.fields["Paths"].help.value
    assert "*" in form.fields["Name"].label.value and "*" not in form.fields["Mode"].label.value
    # the defaults count; untouched required fields are missing, but not yet shown as such
    assert form.values() == {"Workers": 2, "Fail": False, "Mode": "safe", "Role": "unused"}
    assert all(f.message.value == "" for f in form.fields.values())
    assert isinstance(form.widget, w.VBox)
    assert "application/vnd.jupyter.widget-view+json" in form._repr_mimebundle_()


def test_one_row_per_field(form: BlueprintForm) -> None:
    for name, field in form.fields.items():
        row = field.widget
        assert isinstance(row, w.HBox), name  # name, editor, problems, type and description
        assert list(row.children) == [
            field.label, field.editor.widget, field.message, field.help
        ], name  # fmt: skip
        assert not any(isinstance(c, w.VBox) for c in row.children if c is not field.editor.widget)
    paths = form.fields["Paths"]
    assert "S3Uri" in paths.help.value and "Folders." in paths.help.value
    assert "title='list of S3Uri · Folders.'" in paths.help.value  # the whole text on hover
    assert "<br>" not in paths.label.value and "<br>" not in paths.help.value
    assert isinstance(paths.editor.widget, w.HBox)  # the add button beside the items


def test_messages_beside_the_fields(form: BlueprintForm) -> None:
    form.fields["Ratio"].editor.widget.value = 0.25  # typing marks the field touched
    assert form.values()["Ratio"] == 0.25
    assert form.fields["Ratio"].message.value == ""
    assert form.fields["Name"].message.value == ""  # untouched: nothing shown yet
    assert form.create() is None  # invalid: nothing started
    assert "missing" in form.fields["Name"].message.value
    assert "missing" in form.fields["Paths"].message.value
    assert "Fix the fields" in form.outcome.value
    form.fields["Name"].editor.widget.value = "wf"
    assert form.fields["Name"].message.value == ""


def test_list_editor(form: BlueprintForm) -> None:
    paths = form.fields["Paths"].editor
    paths.items[0].widget.value = "/data/a"
    paths.add_button.click()
    paths.items[1].widget.value = "/data/b"
    paths.add_button.click()  # an empty row is ignored
    assert form.values()["Paths"] == ["/data/a", "/data/b"]
    remove = paths.rows.children[0].children[1]
    remove.click()
    assert form.values()["Paths"] == ["/data/b"]
    form.set(Paths=["/x", "/y", "/z"])
    assert [i.widget.value for i in paths.items] == ["/x", "/y", "/z"]


def test_preview_keeps_nothing_and_create_shows_the_outcome(
    form: BlueprintForm, client: GlueClient
) -> None:
    form.set(Name="made", Paths=["/data/a", "/data/b"], Ratio=1.0, Mode="fast")
    requests = form.preview()
    assert requests is not None and requests["Workflow"]["Name"] == "made"
    assert "Would create workflow <b>made</b>: 0 job(s), 2 crawler(s), 2 trigger(s)" in (
        form.outcome.value
    )
    assert "<svg" in form.preview_area.value or "<pre>" in form.preview_area.value
    assert client.list_workflows()["Workflows"] == []  # the preview kept nothing

    form.create_button.click()
    assert form.last_run is not None and form.last_run["State"] == "SUCCEEDED"
    assert "created workflow <b>made</b>" in form.outcome.value
    wf = client.get_workflow(Name="made")["Workflow"]
    assert wf["DefaultRunProperties"] == {"mode": "fast"}
    assert wf["BlueprintDetails"]["RunId"] == form.last_run["RunId"]

    form.set(Name="again", Fail=True)
    run = form.create()
    assert run is not None and run["State"] == "FAILED"
    assert "ValueError: asked to fail" in form.outcome.value
    assert "nothing was kept" in form.outcome.value
    assert client.list_workflows()["Workflows"] == ["made"]
    assert form.preview() is None and "The layout fails" in form.outcome.value


def test_outline_fallback() -> None:
    requests = {
        "Workflow": {"Name": "w"},
        "Jobs": [],
        "Crawlers": [
            {"Name": "c0", "Targets": {"S3Targets": [{"Path": "/d"}]}, "DatabaseName": "x"},
            {"Name": "c1", "Targets": {"S3Targets": [{"Path": "/e"}]}, "DatabaseName": "x"},
        ],
        "Triggers": [
            {"Name": "go", "Type": "ON_DEMAND", "Actions": [{"CrawlerName": "c0"}]},
            {
                "Name": "then",
                "Type": "CONDITIONAL",
                "Actions": [{"CrawlerName": "c1"}],
                "Predicate": {"Conditions": [{"CrawlerName": "c0", "CrawlState": "SUCCEEDED"}]},
            },
        ],
    }
    text = outline(requests_to_workflow(requests))
    assert text.splitlines() == [
        "workflow w",
        "  go: on demand -> crawler c0",
        "  then: when c0 SUCCEEDED -> crawler c1",
    ]
